#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <utility>

#include "cinetpay/client.hpp"
#include "cinetpay/errors.hpp"
#include "cinetpay/validation.hpp"
#include "client_impl.hpp"

namespace cinetpay {
namespace detail {
namespace {

ClientOptions with_defaults(ClientOptions o) {
  if (!o.clock) o.clock = [] { return std::chrono::steady_clock::now(); };
  if (!o.sleeper) o.sleeper = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  if (!o.random) {
    struct Shared {
      std::mutex mu;
      std::mt19937_64 engine{std::random_device{}()};
    };
    auto shared = std::make_shared<Shared>();
    o.random = [shared] {
      std::lock_guard<std::mutex> lock(shared->mu);
      return std::uniform_real_distribution<double>(0.0, 1.0)(shared->engine);
    };
  }
  if (!o.transport) o.transport = make_curl_transport(o);
  if (o.retry.max_attempts < 1) o.retry.max_attempts = 1;
  if (o.max_batch_size == 0) o.max_batch_size = 1;
  return o;
}

bool is_token_refusal(int code) { return code >= 705 && code <= 707; }

const char* method_name(const HttpRequest& r) {
  return r.method == HttpMethod::post ? "POST" : "GET";
}

}  // namespace

ClientImpl::ClientImpl(Credentials credentials, ClientOptions options)
    : credentials_(std::move(credentials)),
      options_(with_defaults(std::move(options))),
      builder_(options_.base_url, options_.lang),
      retry_(options_.retry, options_.random),
      tokens_([this] { return login(); }, options_.clock, options_.token_lifetime,
              options_.token_refresh_margin) {}

void ClientImpl::log(LogLevel level, const std::string& line) const {
  if (options_.logger) options_.logger(level, line);
}

void ClientImpl::pause(std::chrono::milliseconds interval,
                       std::chrono::steady_clock::time_point deadline) const {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - options_.clock());
  options_.sleeper(std::max(std::chrono::milliseconds(0), std::min(interval, left)));
}

HttpResponse ClientImpl::transmit(const char* operation, Idempotency idempotency,
                                  const HttpRequest& request, std::string* trail) {
  for (int attempt = 1;; ++attempt) {
    RetryDecision decision;
    try {
      // The clock is read only for the log line: nothing more on the request path.
      auto started = options_.logger ? options_.clock() : std::chrono::steady_clock::time_point();
      HttpResponse response = options_.transport->send(request);
      if (options_.logger) {
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(options_.clock() - started);
        log(LogLevel::debug, std::string(method_name(request)) + " " + redact_url(request.url) +
                                 " -> HTTP " + std::to_string(response.status) + " in " +
                                 std::to_string(ms.count()) + " ms");
      }
      decision = retry_.after_response(response, idempotency, attempt);
      if (!decision.retry) {
        if (!decision.reason.empty()) {
          *trail += decision.reason;
          log(LogLevel::warning, std::string(operation) + ": " + decision.reason);
        }
        return response;
      }
    } catch (const TransportError& e) {
      decision = retry_.after_transport_error(e, idempotency, attempt);
      if (!decision.retry) {
        log(LogLevel::warning, std::string(operation) + ": " + e.what() + "; " + decision.reason);
        throw TransportError(
            std::string(operation) + ": " + e.what() + " [" + *trail + decision.reason + "]",
            e.may_have_reached_server());
      }
    }
    *trail += decision.reason + ", ";
    log(LogLevel::info, std::string(operation) + ": retrying in " +
                            std::to_string(decision.delay.count()) + " ms: " + decision.reason +
                            " (attempt " + std::to_string(attempt) + "/" +
                            std::to_string(retry_.max_attempts()) + ")");
    options_.sleeper(decision.delay);
  }
}

Envelope ClientImpl::exchange(const char* operation, Idempotency idempotency,
                              const HttpRequest& request) {
  std::string trail;
  HttpResponse response = transmit(operation, idempotency, request, &trail);
  try {
    return parse_envelope(response);
  } catch (const ProtocolError& e) {
    // The answer that could not be read may be the last of several: say which.
    if (trail.empty()) throw;
    throw ProtocolError(std::string(operation) + ": " + e.what() + " [" + trail + "]",
                        e.http_status());
  }
}

std::string ClientImpl::login() {
  Envelope env = exchange("login", Idempotency::idempotent, builder_.login(credentials_));
  if (env.code != 0) throw_api_error(env.code, env.message, env.description, env.http_status);
  log(LogLevel::info, "login: new token");
  return parse_token(env);
}

Envelope ClientImpl::call(const char* operation, Idempotency idempotency,
                          const std::function<HttpRequest(const std::string&)>& build) {
  for (int refusals = 0;; ++refusals) {
    Token token = tokens_.get();
    Envelope env = exchange(operation, idempotency, build(token.value));
    if (!is_token_refusal(env.code) || refusals > 0) return env;
    log(LogLevel::info, std::string(operation) + ": token refused (" + std::to_string(env.code) +
                            "), logging in again");
    tokens_.invalidate(token.generation);
  }
}

Envelope ClientImpl::call_ok(const char* operation, Idempotency idempotency,
                             const std::function<HttpRequest(const std::string&)>& build) {
  Envelope env = call(operation, idempotency, build);
  if (env.code != 0) throw_api_error(env.code, env.message, env.description, env.http_status);
  return env;
}

std::vector<TransferStatus> ClientImpl::check(const TransferQuery& query) {
  if (query.value().empty())
    throw ValidationError(std::string(query.key_name()), std::nullopt, "must not be empty");
  Envelope env = call_ok("check", Idempotency::idempotent, [&](const std::string& token) {
    return builder_.check_money(token, query);
  });
  std::vector<TransferStatus> statuses;
  for (const auto* item : data_items(env)) statuses.push_back(parse_transfer_status(*item));
  if (statuses.empty()) {
    throw NotFoundError(723, "NOT_FOUND", "check/money answered no transfer", env.http_status);
  }
  return statuses;
}

ReconcileResult ClientImpl::lookup(const std::string& client_transaction_id) {
  ReconcileResult r;
  try {
    for (TransferStatus& s :
         check(TransferQuery::by_client_transaction_id(client_transaction_id))) {
      if (s.client_transaction_id.empty() || s.client_transaction_id == client_transaction_id) {
        r.state = ReconcileResult::State::found;
        r.status = std::move(s);
        return r;
      }
    }
    r.state = ReconcileResult::State::unknown;
    r.detail = "check/money answered other transfers only";
  } catch (const NotFoundError&) {
    r.state = ReconcileResult::State::not_found;
    r.detail = "check/money: 723 NOT_FOUND";
  } catch (const Error& e) {
    r.state = ReconcileResult::State::unknown;
    r.detail = e.what();
  }
  return r;
}

}  // namespace detail

TransferClient::TransferClient(Credentials credentials, ClientOptions options) {
  validate_base_url(options.base_url);
  if (credentials.api_key.empty())
    throw ValidationError("api_key", std::nullopt, "must not be empty");
  if (credentials.password.empty())
    throw ValidationError("password", std::nullopt, "must not be empty");
  impl_ = std::make_shared<detail::ClientImpl>(std::move(credentials), std::move(options));
}

TransferClient TransferClient::from_env(ClientOptions options) {
  auto env = [](const char* name) {
    const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read once, at start-up
    return std::string(v == nullptr ? "" : v);
  };
  Credentials c{env("CINETPAY_API_KEY"), env("CINETPAY_PASSWORD")};
  if (c.api_key.empty())
    throw ValidationError("CINETPAY_API_KEY", std::nullopt, "environment variable is not set");
  if (c.password.empty())
    throw ValidationError("CINETPAY_PASSWORD", std::nullopt, "environment variable is not set");
  if (std::string url = env("CINETPAY_BASE_URL"); !url.empty()) options.base_url = url;
  std::string lang = env("CINETPAY_LANG");
  if (lang == "fr") {
    options.lang = Lang::fr;
  } else if (lang == "en") {
    options.lang = Lang::en;
  } else if (!lang.empty()) {
    throw ValidationError("CINETPAY_LANG", std::nullopt, "must be en or fr");
  }
  return TransferClient(std::move(c), std::move(options));
}

Balance TransferClient::balance() const {
  auto env =
      impl_->call_ok("balance", detail::Idempotency::idempotent,
                     [this](const std::string& token) { return impl_->builder().balance(token); });
  return detail::parse_balance(env);
}

std::vector<ContactResult> TransferClient::add_contacts(
    const std::vector<Contact>& contacts) const {
  validate_contacts(contacts);
  std::vector<ContactResult> results;
  for (const std::vector<Contact>& part :
       detail::batches_of(contacts, impl_->options().max_batch_size)) {
    auto env = impl_->call_ok(
        "contacts", detail::Idempotency::idempotent,
        [&](const std::string& token) { return impl_->builder().add_contacts(token, part); });
    auto items = detail::data_items(env);
    for (std::size_t i = 0; i < part.size(); ++i) {
      ContactResult r;
      // Items are matched by position; the API echoes them in order.
      if (i < items.size()) {
        r = detail::parse_contact_item(*items[i]);
      } else {
        r.code = -1;
        r.message = "MISSING_FROM_ANSWER";
      }
      r.contact = part[i];
      results.push_back(std::move(r));
    }
  }
  return results;
}

std::vector<TransferResult> TransferClient::send_money(
    const std::vector<TransferRequest>& items) const {
  return impl_->send(items);
}

std::vector<TransferStatus> TransferClient::check_transfer(const TransferQuery& query) const {
  return impl_->check(query);
}

TransferStatus TransferClient::wait_for_final(const TransferQuery& query,
                                              std::chrono::milliseconds timeout) const {
  const ClientOptions& o = impl_->options();
  const auto deadline = o.clock() + timeout;
  std::optional<TransferStatus> last;
  std::optional<NotFoundError> missing;
  while (true) {
    try {
      auto statuses = impl_->check(query);
      auto open = std::find_if(statuses.begin(), statuses.end(),
                               [](const TransferStatus& s) { return !s.is_final(); });
      last = open == statuses.end() ? statuses.front() : *open;
      if (open == statuses.end()) return *last;
    } catch (const NotFoundError& e) {
      // Right after a send the transfer may not be visible yet: keep polling.
      missing = e;
    }
    if (o.clock() >= deadline) {
      if (last) return *last;
      throw NotFoundError(*missing);
    }
    impl_->pause(o.poll_interval, deadline);
  }
}

ReconcileResult TransferClient::reconcile(const std::string& client_transaction_id) const {
  if (client_transaction_id.empty()) {
    throw ValidationError("client_transaction_id", std::nullopt, "must not be empty");
  }
  return impl_->lookup(client_transaction_id);
}

TransferStatus TransferClient::verify_notification(const Notification& notification) const {
  auto query = notification.transaction_id.empty()
                   ? TransferQuery::by_client_transaction_id(notification.client_transaction_id)
                   : TransferQuery::by_transaction_id(notification.transaction_id);
  for (TransferStatus& s : impl_->check(query)) {
    bool same = notification.transaction_id.empty()
                    ? s.client_transaction_id == notification.client_transaction_id
                    : s.transaction_id == notification.transaction_id;
    if (same || s.transaction_id.empty()) return s;
  }
  throw NotFoundError(723, "NOT_FOUND", "check/money does not know this notification's transfer",
                      0);
}

}  // namespace cinetpay
