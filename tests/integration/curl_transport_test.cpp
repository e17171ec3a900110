// The libcurl transport against a real local server.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <new>
#include <thread>

#include "bounded_wait.hpp"
#include "cinetpay/transfer.hpp"
#include "scripted_server.hpp"

// Allocation failure on demand: while armed on a thread, every allocation of this binary
// above the threshold made on that thread throws std::bad_alloc.
namespace {
thread_local std::size_t fail_allocations_above = 0;
}  // namespace

void* operator new(std::size_t size) {
  if (fail_allocations_above != 0 && size > fail_allocations_above) throw std::bad_alloc();
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace cinetpay {
namespace {

using namespace std::chrono_literals;
using mocks::eventually;
using mocks::ScriptedServer;

long max_resident_kib() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// Serves `total` bytes of JSON-ish filler from one 64 KiB buffer, so that the server side
// of the test holds no more than that.
void serve_huge(httplib::Response& res, std::size_t total, bool chunked) {
  auto chunk = std::make_shared<std::string>(64 * 1024, ' ');
  auto sent = std::make_shared<std::size_t>(0);
  if (chunked) {
    res.set_chunked_content_provider("application/json", [=](std::size_t, httplib::DataSink& sink) {
      if (*sent >= total) {
        sink.done();
        return true;
      }
      *sent += chunk->size();
      return sink.write(chunk->data(), chunk->size());
    });
  } else {
    res.set_content_provider(total, "application/json",
                             [=](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
                               (void)offset;
                               return sink.write(chunk->data(), std::min(length, chunk->size()));
                             });
  }
}

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
  const auto deadline = std::chrono::steady_clock::now() + mocks::kWaitBound;
  int conn = mocks::readable_before(listener, deadline) ? ::accept(listener, nullptr, nullptr) : -1;
  std::string head;
  char buf[4096];
  while (conn >= 0 && head.find("\r\n\r\n") == std::string::npos &&
         mocks::readable_before(conn, deadline)) {
    ssize_t n = ::recv(conn, buf, sizeof buf, 0);
    if (n <= 0) break;
    head.append(buf, static_cast<std::size_t>(n));
  }
  if (conn >= 0) {
    const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
    ::send(conn, reply, sizeof reply - 1, MSG_NOSIGNAL);
    ::shutdown(conn, SHUT_RDWR);
    ::close(conn);
  }
  // Closing the listener refuses a client that has not connected yet, so that it ends.
  ::close(listener);
  client.join();
  EXPECT_GE(conn, 0) << "the transport did not connect within the bound";
  EXPECT_NE(head.find("\r\n\r\n"), std::string::npos)
      << "no whole request head within the bound: " << head.substr(0, 200);
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
  // The server may read the request only after the client gave up on it (a loaded machine,
  // a sanitizer): it still arrives.
  EXPECT_TRUE(eventually([&] { return server.requests("/slow").size() == 1u; }));
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
  mocks::wait_until_running(tls);

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

// 64 MiB answered, 1 MiB allowed: refused while receiving, and the memory this process
// ever held grew by far less than the body (a memory bound, not a timing one). The bound is
// half the body: buffering it would cost the whole body, and ThreadSanitizer's
// shadow memory alone takes more than 16 MiB of the growth.
TEST_F(CurlTransportTest, AnswerLargerThanTheLimitIsRefusedWithoutBufferingIt) {
  const std::size_t body = std::size_t{64} << 20;
  for (bool chunked : {false, true}) {
    server.on("/huge", [=](const httplib::Request&, httplib::Response& res) {
      serve_huge(res, body, chunked);
    });
    ClientOptions o;
    o.max_response_bytes = std::size_t{1} << 20;
    auto t = make_curl_transport(o);
    const long before = max_resident_kib();
    try {
      t->send(post("/huge", "a=1", true));
      ADD_FAILURE() << "a 64 MiB answer was accepted";
    } catch (const ProtocolError& e) {
      EXPECT_EQ(e.http_status(), 200);
      EXPECT_THAT(e.what(), ::testing::HasSubstr("larger than max_response_bytes (1048576)"));
      EXPECT_THAT(e.what(), ::testing::Not(::testing::HasSubstr("token=t")));
    }
    EXPECT_LT(max_resident_kib() - before, static_cast<long>(body / 2 / 1024))
        << "chunked: " << chunked;
  }
  server.answer("/small", 200, std::string(1000, ' '));
  ClientOptions o;
  o.max_response_bytes = 2000;
  EXPECT_EQ(make_curl_transport(o)->send(post("/small", "a=1")).body.size(), 1000u)
      << "an answer within the limit, headers included, is read whole";
}

TEST_F(CurlTransportTest, HeadersCountAgainstTheLimit) {
  server.on("/headers", [](const httplib::Request&, httplib::Response& res) {
    for (int i = 0; i < 200; ++i)
      res.set_header("X-Filler-" + std::to_string(i), std::string(1000, 'h'));
    res.set_content("{}", "application/json");
  });
  ClientOptions o;
  o.max_response_bytes = 100 * 1024;  // libcurl itself stops at 300 KiB of headers
  EXPECT_THROW(make_curl_transport(o)->send(post("/headers", "a=1")), ProtocolError);
}

// An exception in a callback (here std::bad_alloc while the body grows) makes libcurl abort
// and is raised once it has returned: it never unwinds through libcurl's C frames, and the
// transport stays usable.
TEST_F(CurlTransportTest, ExceptionWhileReceivingIsRaisedAfterLibcurlReturns) {
  server.answer("/big", 200, std::string(std::size_t{4} << 20, ' '));
  server.answer("/x", 200, "{}");
  ClientOptions o;
  o.max_response_bytes = std::size_t{64} << 20;
  auto t = make_curl_transport(o);
  fail_allocations_above = std::size_t{1} << 20;
  bool thrown = false;
  try {
    t->send(post("/big", "a=1", true));
  } catch (const std::bad_alloc&) {
    thrown = true;
  }
  fail_allocations_above = 0;
  EXPECT_TRUE(thrown);
  for (int i = 0; i < 3; ++i) {
    HttpRequest get;
    get.url = server.base_url() + "/x";
    EXPECT_EQ(t->send(get).status, 200);
  }
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
