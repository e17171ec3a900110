#pragma once

#include "cinetpay/observe.hpp"

#include <cstdio>

#include "cinetpay/detail/utf8.hpp"

CINETPAY_BEGIN_NAMESPACE
// Not ODR violations: compiled once, in src/cinetpay.cpp, or inline (CINETPAY_INLINE) when
// header-only.
// NOLINTBEGIN(misc-definitions-in-headers)
namespace detail {

// A control character as the \u00XX escape both formats use for it.
CINETPAY_INLINE std::string control_escape(unsigned char c) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(c));
  return buffer;
}

// The inside of a quoted value: the escapes logfmt readers and JSON share.
CINETPAY_INLINE std::string escape_quoted(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += control_escape(c);
        } else {
          out += ch;
        }
    }
  }
  return out;
}

// A logfmt value: bare when nothing in it could be misread as a separator, else quoted.
CINETPAY_INLINE std::string logfmt_value(std::string_view value) {
  bool bare = !value.empty();
  for (char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == 0x7F || ch == '"' || ch == '=' || ch == '\\') bare = false;
  }
  if (bare) return std::string(value);
  return "\"" + escape_quoted(value) + "\"";
}

}  // namespace detail

CINETPAY_INLINE std::string_view to_string(RequestFault fault) noexcept {
  switch (fault) {
    case RequestFault::transport:
      return "transport";
    case RequestFault::timeout:
      return "timeout";
    case RequestFault::server_error:
      return "server_error";
    case RequestFault::throttled:
      return "throttled";
    case RequestFault::protocol:
      return "protocol";
  }
  return "transport";
}

CINETPAY_INLINE std::string_view request_outcome(const RequestEvent& event) noexcept {
  if (event.fault) return to_string(*event.fault);
  // Without a fault the answer was read, so its code is there (an event is never made
  // otherwise); a missing one is not taken for success.
  return event.api_code == 0 ? "ok" : "refused";
}

CINETPAY_INLINE std::string format_log_record(const LogRecord& record, LogFormat format) {
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  pairs.reserve(record.fields.size() + 3);
  pairs.emplace_back("level", to_string(record.level));
  pairs.emplace_back("event", record.event);
  pairs.emplace_back("msg", record.message);
  for (const LogField& f : record.fields) pairs.emplace_back(f.key, f.value);

  std::string line;
  if (format == LogFormat::json) {
    line += '{';
    for (const auto& [key, value] : pairs) {
      if (line.size() > 1) line += ',';
      line += '"' + detail::escape_quoted(detail::to_valid_utf8(key)) + "\":\"" +
              detail::escape_quoted(detail::to_valid_utf8(value)) + '"';
    }
    line += '}';
    return line;
  }
  for (const auto& [key, value] : pairs) {
    if (!line.empty()) line += ' ';
    // A key is the client's own lower_snake_case word; written as is.
    line += std::string(key) + '=' + detail::logfmt_value(value);
  }
  return line;
}

// NOLINTEND(misc-definitions-in-headers)
CINETPAY_END_NAMESPACE
