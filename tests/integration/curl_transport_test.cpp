// The libcurl transport against a real local server.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <thread>

#include "cinetpay/transfer.hpp"
#include "scripted_server.hpp"

namespace cinetpay {
namespace {

using namespace std::chrono_literals;
using testing::ScriptedServer;

class CurlTransportTest : public ::testing::Test {
 protected:
  std::shared_ptr<HttpTransport> transport(std::chrono::milliseconds timeout = 5000ms) {
    ClientOptions o;
    o.request_timeout = timeout;
    o.user_agent_suffix = "shop/1.0";
    return make_curl_transport(o);
  }
  HttpRequest post(const std::string& path, std::string body, bool fresh = false) {
    HttpRequest r;
    r.method = HttpMethod::post;
    r.url = server.base_url() + path + "?token=t&lang=en";
    r.body = std::move(body);
    r.fresh_connection = fresh;
    return r;
  }
  ScriptedServer server;
};

// Reads one request head on a raw socket: cpp-httplib cannot take a form body over 8 KiB,
// and libcurl only adds `Expect: 100-continue` above 1 MiB.
std::string capture_request_head(const std::function<void(int port)>& send) {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::listen(listener, 1);
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  std::thread client([&] { send(ntohs(addr.sin_port)); });
  int conn = ::accept(listener, nullptr, nullptr);
  std::string head;
  char buf[4096];
  while (head.find("\r\n\r\n") == std::string::npos) {
    ssize_t n = ::recv(conn, buf, sizeof buf, 0);
    if (n <= 0) break;
    head.append(buf, static_cast<std::size_t>(n));
  }
  const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
  ::send(conn, reply, sizeof reply - 1, MSG_NOSIGNAL);
  ::shutdown(conn, SHUT_RDWR);
  ::close(conn);
  client.join();
  ::close(listener);
  return head.substr(0, head.find("\r\n\r\n"));
}

TEST_F(CurlTransportTest, PostIsFormEncodedWithoutExpectAndWithUserAgent) {
  std::string head = capture_request_head([&](int port) {
    HttpRequest r;
    r.method = HttpMethod::post;
    r.url = "http://127.0.0.1:" + std::to_string(port) + "/x";
    r.body = "data=" + std::string(2 * 1024 * 1024, 'a');
    try {
      transport()->send(r);
    } catch (const TransportError&) {
      // The server answers before reading the body; only the head matters here.
    }
  });
  EXPECT_THAT(head, ::testing::StartsWith("POST /x HTTP/1.1"));
  EXPECT_THAT(head, ::testing::Not(::testing::HasSubstr("Expect")));
  EXPECT_THAT(head, ::testing::HasSubstr("Content-Type: application/x-www-form-urlencoded"));
  EXPECT_THAT(head, ::testing::HasSubstr(std::string("User-Agent: cinetpay-cpp/") + kVersion +
                                         " shop/1.0"));
  EXPECT_THAT(head, ::testing::HasSubstr("Content-Length: 2097157"));
}

TEST_F(CurlTransportTest, ReadsKeepTheConnectionSendsTakeAFreshOne) {
  server.answer("/x", 200, "{}");
  auto t = transport();
  HttpRequest get;
  get.url = server.base_url() + "/x";
  t->send(get);
  t->send(get);
  t->send(post("/x", "a=1", /*fresh=*/true));
  t->send(post("/x", "a=2", /*fresh=*/true));
  auto seen = server.requests("/x");
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].remote_port, seen[1].remote_port) << "reads reuse the kept-alive connection";
  EXPECT_NE(seen[2].remote_port, seen[1].remote_port) << "a send reused a connection";
  EXPECT_NE(seen[3].remote_port, seen[2].remote_port) << "a send reused a connection";
}

TEST_F(CurlTransportTest, ServerClosingKeptAliveConnectionsSeesEachSendOnce) {
  server.raw().set_keep_alive_max_count(1);
  server.answer("/send", 200, "{}");
  auto t = transport();
  for (int i = 0; i < 20; ++i) t->send(post("/send", "n=" + std::to_string(i), true));
  auto seen = server.requests("/send");
  ASSERT_EQ(seen.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(seen[i].body, "n=" + std::to_string(i));
}

TEST_F(CurlTransportTest, RedirectsAreNotFollowed) {
  server.on("/moved", [](const httplib::Request&, httplib::Response& res) {
    res.set_redirect("/elsewhere");
  });
  HttpResponse r = transport()->send(post("/moved", "a=1", true));
  EXPECT_EQ(r.status, 302);
  EXPECT_TRUE(server.requests("/elsewhere").empty());
}

TEST_F(CurlTransportTest, RefusedConnectionCertainlyDidNotReachTheServer) {
  int port = 0;
  {
    ScriptedServer gone;
    port = std::stoi(gone.base_url().substr(gone.base_url().rfind(':') + 1));
  }
  HttpRequest r;
  r.url = "http://127.0.0.1:" + std::to_string(port) + "/x?token=SECRET";
  try {
    transport()->send(r);
    FAIL();
  } catch (const TransportError& e) {
    EXPECT_FALSE(e.may_have_reached_server());
    EXPECT_THAT(e.what(), ::testing::Not(::testing::HasSubstr("SECRET")));
  }
}

TEST_F(CurlTransportTest, TimeoutAfterTheRequestWentOutMayHaveReachedTheServer) {
  server.on("/slow", [](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(400ms);
    res.set_content("{}", "application/json");
  });
  try {
    transport(100ms)->send(post("/slow", "a=1", true));
    FAIL();
  } catch (const TransportError& e) {
    EXPECT_TRUE(e.may_have_reached_server());
  }
  EXPECT_EQ(server.requests("/slow").size(), 1u);
}

TEST_F(CurlTransportTest, TlsIsAlwaysVerifiedAndFailsBeforeSending) {
  ClientOptions o;
  o.ca_bundle = "/nonexistent/ca.pem";
  HttpRequest r;
  r.url = "https://127.0.0.1:" + server.base_url().substr(server.base_url().rfind(':') + 1) + "/x";
  for (const auto& t : {transport(), make_curl_transport(o)}) {
    try {
      t->send(r);
      FAIL() << "a TLS request to a plain HTTP server succeeded";
    } catch (const TransportError& e) {
      EXPECT_FALSE(e.may_have_reached_server()) << e.what();
    }
  }
  EXPECT_TRUE(server.requests("/x").empty());
}

// A TLS server with a self-signed certificate for 127.0.0.1, made for the test.
TEST_F(CurlTransportTest, CertificatesAreVerifiedAgainstTheCaBundle) {
  char tmpl[] = "/tmp/cinetpay-tls-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  std::string cert = dir + "/cert.pem";
  std::string key = dir + "/key.pem";
  std::string command =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
      "-addext subjectAltName=IP:127.0.0.1 -keyout " +
      key + " -out " + cert + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << "openssl could not make a certificate";
  httplib::SSLServer tls(cert.c_str(), key.c_str());
  tls.set_tcp_nodelay(true);
  tls.Get("/x", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("{}", "application/json");
  });
  int port = tls.bind_to_any_port("127.0.0.1");
  std::thread serving([&] { tls.listen_after_bind(); });
  while (!tls.is_running()) std::this_thread::yield();

  HttpRequest r;
  r.url = "https://127.0.0.1:" + std::to_string(port) + "/x";
  try {
    transport()->send(r);
    ADD_FAILURE() << "a self-signed certificate was accepted";
  } catch (const TransportError& e) {
    EXPECT_FALSE(e.may_have_reached_server()) << e.what();
  }
  ClientOptions o;
  o.ca_bundle = cert;
  EXPECT_EQ(make_curl_transport(o)->send(r).status, 200);
  tls.stop();
  serving.join();
  std::system(("rm -rf " + dir).c_str());
}

TEST_F(CurlTransportTest, ProxyIsUsedWhenSetAndTheEnvironmentIsIgnoredOtherwise) {
  ScriptedServer proxy;
  proxy.on("/x", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("{}", "application/json");
  });
  server.answer("/x", 200, "{}");
  HttpRequest r;
  r.url = server.base_url() + "/x";
  ClientOptions o;
  o.proxy = proxy.base_url();
  make_curl_transport(o)->send(r);
  EXPECT_EQ(proxy.requests().size(), 1u);
  EXPECT_THAT(proxy.requests()[0].target, ::testing::HasSubstr(server.base_url()));
  EXPECT_TRUE(server.requests("/x").empty());

  ::setenv("http_proxy", "http://127.0.0.1:9", 1);
  EXPECT_EQ(transport()->send(r).status, 200) << "the environment's proxy was used";
  ::unsetenv("http_proxy");
  EXPECT_EQ(server.requests("/x").size(), 1u);
}

TEST_F(CurlTransportTest, ManyThreadsShareOneTransport) {
  server.answer("/x", 200, "{}");
  auto t = transport();
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      HttpRequest get;
      get.url = server.base_url() + "/x";
      for (int j = 0; j < 25; ++j) ok += t->send(get).status == 200;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok, 200);
}

}  // namespace
}  // namespace cinetpay
