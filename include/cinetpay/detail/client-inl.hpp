#pragma once

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <mutex>
#include <new>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>
#include <utility>

#include "cinetpay/client.hpp"
#include "cinetpay/detail/client_impl.hpp"
#include "cinetpay/detail/codes.hpp"
#include "cinetpay/detail/http.hpp"
#include "cinetpay/errors.hpp"
#include "cinetpay/validation.hpp"

CINETPAY_BEGIN_NAMESPACE
// Not ODR violations: compiled once, in src/cinetpay.cpp, or inline (CINETPAY_INLINE) when
// header-only.
// NOLINTBEGIN(misc-definitions-in-headers)
namespace detail {

CINETPAY_INLINE ClientOptions with_defaults(ClientOptions o) {
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

// A whole number written in a notification's form field ("500", "500.00"), if it is one.
CINETPAY_INLINE std::optional<std::int64_t> whole_amount(const std::string& text) {
  std::size_t end = text.find('.');
  std::string digits = text.substr(0, end);
  if (digits.empty() || digits.size() > 15 ||
      !std::all_of(digits.begin(), digits.end(),
                   [](unsigned char c) { return std::isdigit(c) != 0; })) {
    return std::nullopt;
  }
  if (end != std::string::npos &&
      (end + 1 == text.size() || !std::all_of(text.begin() + static_cast<std::ptrdiff_t>(end) + 1,
                                              text.end(), [](char c) { return c == '0'; }))) {
    return std::nullopt;
  }
  return std::stoll(digits);
}

// The first field of `notification` that disagrees with `status`, or null. Ids must be
// equal and non-empty; the other fields are compared when both sides carry them.
CINETPAY_INLINE const char* disagreement(const Notification& notification,
                                         const TransferStatus& status) {
  auto id_differs = [](const std::string& sent, const std::string& known) {
    return !sent.empty() && sent != known;
  };
  auto differs = [](const std::string& sent, const std::string& known) {
    return !sent.empty() && !known.empty() && sent != known;
  };
  if (id_differs(notification.transaction_id, status.transaction_id)) return "transaction_id";
  if (id_differs(notification.client_transaction_id, status.client_transaction_id)) {
    return "client_transaction_id";
  }
  if (!notification.amount.empty()) {
    std::optional<std::int64_t> amount = whole_amount(notification.amount);
    if (!amount || *amount != status.amount) return "amount";
  }
  if (differs(notification.lot, status.lot)) return "lot";
  if (!notification.receiver.empty() &&
      (!status.receiver.empty() || !status.receiver_e164.empty()) &&
      notification.receiver != status.receiver && notification.receiver != status.receiver_e164) {
    return "receiver";
  }
  if (differs(notification.operator_code, status.operator_code)) return "operator";
  return nullptr;
}

CINETPAY_INLINE std::string describe(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

CINETPAY_INLINE ClientImpl::ClientImpl(Credentials credentials, ClientOptions options)
    : credentials_(std::move(credentials)),
      options_(with_defaults(std::move(options))),
      builder_(options_.base_url, options_.lang),
      retry_(options_.retry, options_.random),
      secrets_(credentials_.api_key, credentials_.password),
      tokens_([this](TimePoint deadline) { return login(deadline); }, options_.clock,
              options_.token_lifetime, options_.token_refresh_margin) {}

CINETPAY_INLINE CallContext ClientImpl::start(const CallOptions& call_options) {
  std::call_once(announced_, [this] {
    log(LogLevel::info, "client_start", "using the CinetPay API at " + options_.base_url,
        {{"base_url", options_.base_url}});
  });
  CallContext context;
  context.reconcile = call_options.reconcile;
  if (call_options.timeout.count() > 0) context.deadline = options_.clock() + call_options.timeout;
  if (call_options.deadline) context.deadline = std::min(context.deadline, *call_options.deadline);
  return context;
}

CINETPAY_INLINE void ClientImpl::rethrow_masked() const {
  auto mask = [this](const std::string& text) { return secrets_.mask(text); };
  auto clean = [&](const std::exception& e) { return mask(e.what()) == e.what(); };
  try {
    throw;
  } catch (const ValidationError& e) {
    if (clean(e)) throw;
    throw ValidationError(e.field(), e.index(), mask(e.problem()));
  } catch (const ApiError& e) {
    if (clean(e)) throw;
    throw_api_error(e.code(), mask(e.api_message()), mask(e.description()), e.http_status());
  } catch (const TransportError& e) {
    if (clean(e)) throw;
    throw TransportError(mask(e.what()), e.may_have_reached_server(), e.timed_out());
  } catch (const ProtocolError& e) {
    if (clean(e)) throw;
    throw ProtocolError(mask(e.what()), e.http_status());
  } catch (const ConfigError& e) {
    if (clean(e)) throw;
    throw ConfigError(mask(e.what()));
  } catch (const NotificationMismatchError& e) {
    if (clean(e)) throw;
    throw NotificationMismatchError(e.field(), mask(e.what()));
  } catch (const Error& e) {
    if (clean(e)) throw;
    throw Error(mask(e.what()));
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    // Someone else's exception (a transport, a callback): its type cannot be rebuilt.
    if (clean(e)) throw;
    throw std::runtime_error(mask(e.what()));
  }
}

CINETPAY_INLINE void ClientImpl::log(LogLevel level, const char* event, const std::string& message,
                                     std::vector<LogField> fields) const noexcept {
  if (!logging()) return;
  try {
    LogRecord record{level, event, secrets_.mask(message), std::move(fields)};
    for (LogField& field : record.fields) field.value = secrets_.mask(field.value);
    if (options_.structured_logger) {
      try {
        options_.structured_logger(record);
      } catch (...) {  // NOLINT(bugprone-empty-catch): a log line must never change an outcome
      }
    }
    if (options_.logger) options_.logger(level, format_log_record(record, options_.log_format));
  } catch (...) {  // NOLINT(bugprone-empty-catch): a log line must never change an outcome
  }
}

CINETPAY_INLINE void ClientImpl::observe(const RequestEvent& event) const noexcept {
  if (!options_.request_observer) return;
  try {
    options_.request_observer(event);
  } catch (...) {  // NOLINT(bugprone-empty-catch): an observer must never change an outcome
  }
}

CINETPAY_INLINE void ClientImpl::pause(std::chrono::milliseconds interval,
                                       TimePoint deadline) const {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - options_.clock());
  options_.sleeper(std::max(std::chrono::milliseconds(0), std::min(interval, left)));
}

// The fault an answer's HTTP status shows, if any: the statuses the retry rules single out.
CINETPAY_INLINE std::optional<RequestFault> fault_of_status(int status) {
  if (status >= 500) return RequestFault::server_error;
  if (status == 429) return RequestFault::throttled;
  return std::nullopt;
}

CINETPAY_INLINE HttpResponse ClientImpl::transmit(const char* operation, Idempotency idempotency,
                                                  HttpRequest request, std::string* trail,
                                                  CallContext& context, RequestEvent* answered) {
  for (int attempt = 1;; ++attempt) {
    const TimePoint now = options_.clock();
    if (now >= context.deadline) {
      throw TransportError(std::string(operation) + ": not sent, the call's deadline has passed" +
                               (trail->empty() ? "" : " [" + *trail + "]"),
                           false);
    }
    if (context.deadline != TimePoint::max()) {
      request.timeout = std::chrono::ceil<std::chrono::milliseconds>(context.deadline - now);
    }
    // A backoff that would end after the deadline is not waited for.
    auto within_deadline = [&](RetryDecision d) {
      if (d.retry && options_.clock() + d.delay >= context.deadline) {
        return RetryDecision{false, std::chrono::milliseconds(0),
                             "not retried: " + d.reason + ", the call's deadline comes first"};
      }
      return d;
    };
    RequestEvent event;
    event.operation = operation;
    event.attempt = attempt;
    // Observing never changes what a call throws: a clock that throws here leaves the
    // duration at zero, and the failure being handled is the one that propagates.
    auto ended = [&]() noexcept {
      try {
        event.duration =
            std::chrono::duration_cast<std::chrono::milliseconds>(options_.clock() - now);
      } catch (...) {  // NOLINT(bugprone-empty-catch): see above
      }
    };
    RetryDecision decision;
    const bool left_before = context.send_left;
    try {
      if (idempotency == Idempotency::send) context.send_left = true;
      HttpResponse response = options_.transport->send(request);
      ended();
      event.http_status = response.status;
      event.fault = fault_of_status(response.status);
      if (logging()) {
        log(LogLevel::debug, "request",
            std::string(method_name(request)) + " " + redact_url(request.url) + " -> HTTP " +
                std::to_string(response.status) + " in " + std::to_string(event.duration.count()) +
                " ms",
            {{"operation", operation},
             {"attempt", std::to_string(attempt)},
             {"method", method_name(request)},
             {"url", redact_url(request.url)},
             {"http_status", std::to_string(response.status)},
             {"duration_ms", std::to_string(event.duration.count())}});
      }
      decision = within_deadline(retry_.after_response(response, idempotency, attempt));
      if (!decision.retry) {
        if (!decision.reason.empty()) {
          *trail += decision.reason;
          log(LogLevel::warning, "not_retried", std::string(operation) + ": " + decision.reason,
              {{"operation", operation},
               {"attempt", std::to_string(attempt)},
               {"http_status", std::to_string(response.status)}});
        }
        // Reported by `exchange` once it has read the answer's code.
        *answered = std::move(event);
        return response;
      }
      observe(event);  // retried unread: no code
    } catch (const TransportError& e) {
      // Whether the request may have reached CinetPay is the transport's word, and the one
      // rule: it both undoes `send_left` (evidence::Attempt) and is what the event reports.
      event.may_have_reached = e.may_have_reached_server();
      if (!event.may_have_reached) context.send_left = left_before;
      ended();
      event.fault = e.timed_out() ? RequestFault::timeout : RequestFault::transport;
      observe(event);
      decision = within_deadline(retry_.after_transport_error(e, idempotency, attempt));
      if (!decision.retry) {
        log(LogLevel::warning, "not_retried",
            std::string(operation) + ": " + e.what() + "; " + decision.reason,
            {{"operation", operation},
             {"attempt", std::to_string(attempt)},
             {"fault", std::string(to_string(*event.fault))},
             {"may_have_reached", event.may_have_reached ? "true" : "false"}});
        throw TransportError(
            std::string(operation) + ": " + e.what() + " [" + *trail + decision.reason + "]",
            e.may_have_reached_server(), e.timed_out());
      }
    } catch (const ProtocolError& e) {
      // An answer the transport refused while it arrived (larger than max_response_bytes):
      // the request was received.
      ended();
      if (e.http_status() != 0) event.http_status = e.http_status();
      event.fault = RequestFault::protocol;
      observe(event);
      throw;
    } catch (...) {
      // Another transport's own exception proves nothing about the request: it may have
      // left (`send_left` stays set), as the event says.
      ended();
      event.fault = RequestFault::transport;
      observe(event);
      throw;
    }
    *trail += decision.reason + ", ";
    log(LogLevel::info, "retry",
        std::string(operation) + ": retrying in " + std::to_string(decision.delay.count()) +
            " ms: " + decision.reason + " (attempt " + std::to_string(attempt) + "/" +
            std::to_string(retry_.max_attempts()) + ")",
        {{"operation", operation},
         {"attempt", std::to_string(attempt)},
         {"max_attempts", std::to_string(retry_.max_attempts())},
         {"delay_ms", std::to_string(decision.delay.count())},
         {"reason", decision.reason}});
    options_.sleeper(decision.delay);
  }
}

CINETPAY_INLINE Envelope ClientImpl::exchange(const char* operation, Idempotency idempotency,
                                              HttpRequest request, CallContext& context) {
  std::string trail;
  RequestEvent answered;
  HttpResponse response =
      transmit(operation, idempotency, std::move(request), &trail, context, &answered);
  try {
    Envelope envelope = parse_envelope(response);
    answered.api_code = envelope.code;
    observe(answered);
    return envelope;
  } catch (const ProtocolError& e) {
    // A 5xx page that is not JSON stays a server error: the status says more than the body.
    if (!answered.fault) answered.fault = RequestFault::protocol;
    observe(answered);
    // The answer that could not be read may be the last of several: say which.
    if (trail.empty()) throw;
    throw ProtocolError(std::string(operation) + ": " + e.what() + " [" + trail + "]",
                        e.http_status());
  }
}

CINETPAY_INLINE std::string ClientImpl::login(TimePoint deadline) {
  CallContext context{deadline};
  Envelope env = exchange("login", Idempotency::idempotent, builder_.login(credentials_), context);
  if (env.code != 0) throw_api_error(env.code, env.message, env.description, env.http_status);
  std::string token = parse_token(env);
  secrets_.add_token(token);
  log(LogLevel::info, "login", "login: new token", {{"operation", "login"}});
  return token;
}

CINETPAY_INLINE Envelope ClientImpl::call(
    const char* operation, Idempotency idempotency,
    const std::function<HttpRequest(const std::string&)>& build, CallContext& context) {
  for (int refusals = 0;; ++refusals) {
    Token token = tokens_.get(context.deadline);
    Envelope env = exchange(operation, idempotency, build(token.value), context);
    RetryDecision decision =
        RetryDecider::after_answer_code(env.code, env.http_status, idempotency, refusals);
    if (!decision.retry) {
      if (!decision.reason.empty()) {
        log(LogLevel::warning, "not_retried", operation + (": " + decision.reason),
            {{"operation", operation}, {"api_code", std::to_string(env.code)}});
      }
      return env;
    }
    log(LogLevel::info, "token_refused", std::string(operation) + ": " + decision.reason,
        {{"operation", operation}, {"api_code", std::to_string(env.code)}});
    tokens_.invalidate(token.generation);
  }
}

CINETPAY_INLINE Envelope ClientImpl::call_ok(
    const char* operation, Idempotency idempotency,
    const std::function<HttpRequest(const std::string&)>& build, CallContext& context) {
  Envelope env = call(operation, idempotency, build, context);
  if (env.code != 0) throw_api_error(env.code, env.message, env.description, env.http_status);
  return env;
}

CINETPAY_INLINE Balance ClientImpl::balance(CallContext& context) {
  auto env = call_ok(
      "balance", Idempotency::idempotent,
      [this](const std::string& token) { return builder_.balance(token); }, context);
  return parse_balance(env);
}

CINETPAY_INLINE std::vector<ContactResult> ClientImpl::add_contacts(
    const std::vector<Contact>& contacts, CallContext& context) {
  validate_contacts(contacts);
  std::vector<ContactResult> results;
  for (const std::vector<Contact>& part : batches_of(contacts, options_.max_batch_size)) {
    auto env = call_ok(
        "contacts", Idempotency::idempotent,
        [&](const std::string& token) { return builder_.add_contacts(token, part); }, context);
    auto items = data_items(env);
    for (std::size_t i = 0; i < part.size(); ++i) {
      ContactResult r;
      // Items are matched by position; the API echoes them in order.
      if (i < items.size()) {
        r = parse_contact_item(*items[i]);
      } else {
        r.code = kCodeMissingFromAnswer;
        r.message = "MISSING_FROM_ANSWER";
      }
      r.contact = part[i];
      results.push_back(std::move(r));
    }
  }
  return results;
}

CINETPAY_INLINE std::vector<TransferStatus> ClientImpl::answered_records(const TransferQuery& query,
                                                                         CallContext& context) {
  if (query.value().empty())
    throw ValidationError(std::string(query.key_name()), std::nullopt, "must not be empty");
  Envelope env = call_ok(
      "check", Idempotency::idempotent,
      [&](const std::string& token) { return builder_.check_money(token, query); }, context);
  std::vector<TransferStatus> statuses;
  for (const auto* item : data_items(env)) statuses.push_back(parse_transfer_status(*item));
  if (statuses.empty()) {
    throw NotFoundError(codes::kNotFound, "NOT_FOUND", "check/money answered no transfer",
                        env.http_status);
  }
  return statuses;
}

CINETPAY_INLINE std::vector<TransferStatus> ClientImpl::check(const TransferQuery& query,
                                                              CallContext& context) {
  std::vector<TransferStatus> statuses = answered_records(query, context);
  // Only records about the queried key count; one transfer's records must agree.
  const std::size_t answered = statuses.size();
  std::vector<TransferStatus> mine = evidence::records_for(query, std::move(statuses));
  if (mine.empty()) {
    throw ProtocolError("check/money answered " + std::to_string(answered) +
                            " transfer(s), none with this " + std::string(query.key_name()) +
                            ": they prove nothing about it",
                        0);
  }
  if (query.key() == TransferQuery::Key::lot) return mine;
  std::string why;
  std::optional<TransferStatus> one = evidence::the_record(query, std::move(mine), why);
  if (!one) throw ProtocolError(why, 0);
  return {std::move(*one)};
}

CINETPAY_INLINE TransferStatus ClientImpl::wait_for_final(const TransferQuery& query,
                                                          std::chrono::milliseconds timeout,
                                                          CallContext& context) {
  // A timeout of zero looks once: its own deadline would pass before the lookup is sent.
  const bool once = timeout.count() <= 0;
  CallContext bounded{once ? context.deadline
                           : std::min(context.deadline, options_.clock() + timeout)};
  std::optional<TransferStatus> last;
  std::optional<NotFoundError> missing;
  while (true) {
    try {
      auto statuses = check(query, bounded);
      auto open = std::find_if(statuses.begin(), statuses.end(),
                               [](const TransferStatus& s) { return !s.is_final(); });
      last = open == statuses.end() ? statuses.front() : *open;
      if (open == statuses.end()) return *last;
    } catch (const NotFoundError& e) {
      // Right after a send the transfer may not be visible yet: keep polling.
      missing = e;
    } catch (const TransportError&) {
      // A poll that got no answer says nothing new; the status already seen stays the
      // answer. Before any status, the failure is.
      if (!last) throw;
    } catch (const ProtocolError&) {
      if (!last) throw;
    }
    if (!once && options_.clock() < bounded.deadline) {
      pause(options_.poll_interval, bounded.deadline);
    }
    if (once || options_.clock() >= bounded.deadline) {
      if (last) return *last;
      throw NotFoundError(*missing);
    }
  }
}

CINETPAY_INLINE ReconcileResult ClientImpl::lookup(const std::string& client_transaction_id,
                                                   CallContext& context) {
  if (client_transaction_id.empty()) {
    throw ValidationError("client_transaction_id", std::nullopt, "must not be empty");
  }
  ReconcileResult r;
  const auto query = TransferQuery::by_client_transaction_id(client_transaction_id);
  try {
    std::vector<TransferStatus> mine =
        evidence::records_for(query, answered_records(query, context));
    if (mine.empty()) {
      r.detail = "check/money answered other transfers only";
      return r;
    }
    r.listed = true;
    std::string why;
    r.status = evidence::the_record(query, std::move(mine), why);
    r.state = r.status ? ReconcileResult::State::found : ReconcileResult::State::unknown;
    r.detail = secrets_.mask(why);
  } catch (const NotFoundError&) {
    r.state = ReconcileResult::State::not_found;
    r.detail = "check/money: 723 NOT_FOUND";
  } catch (...) {
    r.state = ReconcileResult::State::unknown;
    r.detail = secrets_.mask(describe(std::current_exception()));
  }
  return r;
}

CINETPAY_INLINE TransferStatus ClientImpl::verify_notification(const Notification& notification,
                                                               CallContext& context) {
  if (notification.transaction_id.empty() && notification.client_transaction_id.empty()) {
    throw ValidationError("transaction_id", std::nullopt,
                          "a notification must carry transaction_id or client_transaction_id");
  }
  const bool by_transaction_id = !notification.transaction_id.empty();
  auto query = by_transaction_id
                   ? TransferQuery::by_transaction_id(notification.transaction_id)
                   : TransferQuery::by_client_transaction_id(notification.client_transaction_id);
  std::vector<TransferStatus> mine = evidence::records_for(query, answered_records(query, context));
  if (mine.empty()) {
    throw NotificationMismatchError(std::string(query.key_name()),
                                    "notification refused: check/money has no transfer with its " +
                                        std::string(query.key_name()) + ": forged");
  }
  std::string why;
  std::optional<TransferStatus> one = evidence::the_record(query, std::move(mine), why);
  if (!one) throw ProtocolError("notification not verified: " + why, 0);
  const TransferStatus& s = *one;
  if (const char* field = disagreement(notification, s)) {
    throw NotificationMismatchError(field, std::string("notification refused: its ") + field +
                                               " disagrees with check/money for transfer " +
                                               s.transaction_id +
                                               ": forged, or not this transfer's");
  }
  return s;
}

CINETPAY_INLINE std::vector<TransferResult> ClientImpl::send_money(
    const std::vector<TransferRequest>& items, const CallOptions& call) {
  return run(call, [&](CallContext& c) { return send(items, c); });
}

CINETPAY_INLINE Balance ClientImpl::balance(const CallOptions& call) {
  return run(call, [&](CallContext& c) { return balance(c); });
}

CINETPAY_INLINE std::vector<ContactResult> ClientImpl::add_contacts(
    const std::vector<Contact>& contacts, const CallOptions& call) {
  return run(call, [&](CallContext& c) { return add_contacts(contacts, c); });
}

CINETPAY_INLINE std::vector<TransferStatus> ClientImpl::check_transfer(const TransferQuery& query,
                                                                       const CallOptions& call) {
  return run(call, [&](CallContext& c) { return check(query, c); });
}

CINETPAY_INLINE TransferStatus ClientImpl::wait_for_final(const TransferQuery& query,
                                                          std::chrono::milliseconds timeout,
                                                          const CallOptions& call) {
  return run(call, [&](CallContext& c) { return wait_for_final(query, timeout, c); });
}

CINETPAY_INLINE ReconcileResult ClientImpl::reconcile(const std::string& client_transaction_id,
                                                      const CallOptions& call) {
  return run(call, [&](CallContext& c) { return lookup(client_transaction_id, c); });
}

CINETPAY_INLINE TransferStatus ClientImpl::verify_notification(const Notification& notification,
                                                               const CallOptions& call) {
  return run(call, [&](CallContext& c) { return verify_notification(notification, c); });
}

}  // namespace detail

CINETPAY_INLINE TransferClient::TransferClient(Credentials credentials, ClientOptions options) {
  validate_base_url(options.base_url, options.allow_insecure_http);
  if (credentials.api_key.empty())
    throw ValidationError("api_key", std::nullopt, "must not be empty");
  if (credentials.password.empty())
    throw ValidationError("password", std::nullopt, "must not be empty");
  api_ = std::make_shared<detail::ClientImpl>(std::move(credentials), std::move(options));
}

CINETPAY_INLINE TransferClient TransferClient::from_env(ClientOptions options) {
  auto env = [](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read once, at start-up
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  Credentials c{env("CINETPAY_API_KEY").value_or(""), env("CINETPAY_PASSWORD").value_or("")};
  if (c.api_key.empty())
    throw ValidationError("CINETPAY_API_KEY", std::nullopt, "environment variable is not set");
  if (c.password.empty())
    throw ValidationError("CINETPAY_PASSWORD", std::nullopt, "environment variable is not set");
  if (std::optional<std::string> url = env("CINETPAY_BASE_URL")) {
    // Set but empty is a mistake (a sandbox that failed to start), never "production".
    if (url->empty()) {
      throw ConfigError(
          "CINETPAY_BASE_URL is set but empty: unset it to use the production API, or set it "
          "to the API's root");
    }
    options.base_url = *url;
  }
  std::string lang = env("CINETPAY_LANG").value_or("");
  if (lang == "fr") {
    options.lang = Lang::fr;
  } else if (lang == "en") {
    options.lang = Lang::en;
  } else if (!lang.empty()) {
    throw ValidationError("CINETPAY_LANG", std::nullopt, "must be en or fr");
  }
  return TransferClient(std::move(c), std::move(options));
}

CINETPAY_INLINE TransferClient::TransferClient(std::shared_ptr<TransferApi> api)
    : api_(std::move(api)) {
  if (!api_) throw std::invalid_argument("cinetpay::TransferClient: the TransferApi is null");
}

CINETPAY_INLINE TransferApi& TransferClient::api() const {
  if (!api_) {
    throw std::logic_error(
        "cinetpay::TransferClient used after it was moved from: use the client it was moved "
        "to, or a copy");
  }
  return *api_;
}

CINETPAY_INLINE Balance TransferClient::balance(const CallOptions& call) const {
  return api().balance(call);
}

CINETPAY_INLINE std::vector<ContactResult> TransferClient::add_contacts(
    const std::vector<Contact>& contacts, const CallOptions& call) const {
  return api().add_contacts(contacts, call);
}

CINETPAY_INLINE std::vector<TransferResult> TransferClient::send_money(
    const std::vector<TransferRequest>& items, const CallOptions& call) const {
  return api().send_money(items, call);
}

CINETPAY_INLINE std::vector<TransferStatus> TransferClient::check_transfer(
    const TransferQuery& query, const CallOptions& call) const {
  return api().check_transfer(query, call);
}

CINETPAY_INLINE TransferStatus TransferClient::wait_for_final(const TransferQuery& query,
                                                              std::chrono::milliseconds timeout,
                                                              const CallOptions& call) const {
  return api().wait_for_final(query, timeout, call);
}

CINETPAY_INLINE ReconcileResult TransferClient::reconcile(const std::string& client_transaction_id,
                                                          const CallOptions& call) const {
  return api().reconcile(client_transaction_id, call);
}

CINETPAY_INLINE TransferStatus TransferClient::verify_notification(const Notification& notification,
                                                                   const CallOptions& call) const {
  return api().verify_notification(notification, call);
}

// NOLINTEND(misc-definitions-in-headers)
CINETPAY_END_NAMESPACE
