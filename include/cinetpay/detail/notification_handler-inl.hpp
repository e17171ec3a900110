#pragma once

#include "cinetpay/notification_handler.hpp"

#include <cctype>
#include <new>
#include <stdexcept>
#include <utility>

#include "cinetpay/errors.hpp"

CINETPAY_BEGIN_NAMESPACE
// Not ODR violations: compiled once, in src/cinetpay.cpp, or inline (CINETPAY_INLINE) when
// header-only.
// NOLINTBEGIN(misc-definitions-in-headers)

namespace detail {

CINETPAY_INLINE bool same_word(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// The media type of a Content-Type header, without its parameters and blanks.
CINETPAY_INLINE std::string_view media_type(std::string_view content_type) {
  content_type = content_type.substr(0, content_type.find(';'));
  const auto first = content_type.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = content_type.find_last_not_of(" \t");
  return content_type.substr(first, last - first + 1);
}

CINETPAY_INLINE NotificationReply reply(int status, NotificationVerdict verdict, const char* body,
                                        std::exception_ptr error = nullptr) {
  return NotificationReply{status, body, verdict, std::move(error)};
}

}  // namespace detail

CINETPAY_INLINE NotificationHandler::NotificationHandler(TransferClient client, Apply apply,
                                                         NotificationHandlerOptions options)
    : process_([client = std::move(client), apply = std::move(apply)](const Notification& n,
                                                                      const CallOptions& call) {
        const TransferStatus verified = client.verify_notification(n, call);
        if (apply) apply(n, verified);
      }),
      options_(options) {}

CINETPAY_INLINE NotificationHandler::NotificationHandler(Process process,
                                                         NotificationHandlerOptions options)
    : process_(std::move(process)), options_(options) {
  if (!process_) throw std::invalid_argument("NotificationHandler: no process given");
}

CINETPAY_INLINE NotificationReply NotificationHandler::handle(std::string_view method,
                                                              std::string_view content_type,
                                                              std::string_view body) const {
  using V = NotificationVerdict;
  // CinetPay checks that notify_url answers with a GET before it posts anything.
  if (method == "GET" || method == "HEAD") return detail::reply(200, V::ping, "OK");
  if (method != "POST") return detail::reply(405, V::wrong_method, "method not allowed");
  if (!detail::same_word(detail::media_type(content_type), "application/x-www-form-urlencoded")) {
    return detail::reply(415, V::wrong_content_type, "expected application/x-www-form-urlencoded");
  }
  Notification claimed;
  try {
    claimed = parse_notification(body);
  } catch (const ValidationError&) {
    return detail::reply(400, V::unreadable, "not a notification", std::current_exception());
  }
  // Only fixed sentences leave: an exception's text may quote CinetPay's answer or, from
  // `apply`, anything of the merchant's.
  try {
    process_(claimed, CallOptions(options_.deadline));
    return detail::reply(200, V::applied, "OK");
  } catch (const NotificationMismatchError&) {
    return detail::reply(400, V::refused, "not confirmed by CinetPay", std::current_exception());
  } catch (const NotFoundError&) {
    return detail::reply(400, V::refused, "not confirmed by CinetPay", std::current_exception());
  } catch (const ValidationError&) {
    return detail::reply(400, V::unreadable, "not a notification", std::current_exception());
  } catch (const TransportError&) {
    return detail::reply(504, V::unreachable, "CinetPay could not be reached in time",
                         std::current_exception());
  } catch (const std::bad_alloc&) {
    throw;
  } catch (...) {
    return detail::reply(503, V::failed, "not handled, try again", std::current_exception());
  }
}

// NOLINTEND(misc-definitions-in-headers)
CINETPAY_END_NAMESPACE
