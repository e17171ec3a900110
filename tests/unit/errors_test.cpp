#include <gtest/gtest.h>

#include <set>

#include "cinetpay/transfer.hpp"
#include "cinetpay/detail/codes.hpp"

namespace cinetpay {
namespace {

using detail::throw_api_error;

// Every code of the facts table, with the type it must become.
enum class Kind { api, auth, balance, not_found };
struct Row {
  int code;
  const char* message;
  Kind kind;
};
const Row kTable[] = {
    {-1, "OPERATION_ERROR", Kind::api},
    {701, "INVALID_CREDENTIALS", Kind::auth},
    {702, "COULD_NOT_CREATE_TOKEN", Kind::auth},
    {703, "INVALID_USER", Kind::auth},
    {704, "INVALID_PARAM", Kind::api},
    {705, "EXPIRED_TOKEN", Kind::auth},
    {706, "INVALID_TOKEN", Kind::auth},
    {707, "CANT_REFRESH_TOKEN", Kind::auth},
    {708, "NOT_ALLOWED", Kind::api},
    {709, "EXECUTION_ERROR", Kind::api},
    {710, "EXECUTION_ERROR", Kind::api},
    {715, "UNEXPECTED_ERROR", Kind::api},
    {716, "DATA_NOT_VALID", Kind::api},
    {717, "ERROR_PHONE_NOT_PARTICULAR", Kind::api},
    {718, "JSON_PARSE_ERROR", Kind::api},
    {719, "AMOUNT_TOO_SMALL", Kind::api},
    {720, "AMOUNT_TOO_LARGE", Kind::api},
    {721, "OPERATOR_NOT_AVAILABLE", Kind::api},
    {602, "INSUFFICIENT_BALANCE", Kind::balance},
    {723, "NOT_FOUND", Kind::not_found},
    {724, "ERROR_PHONE_NOT_MY_CONTACT", Kind::api},
    {725, "MISSING_NOTIFY_URL", Kind::api},
    {726, "ERROR_PHONE_ALREADY_MY_CONTACT", Kind::api},
    {801, "INVALID_AMOUNT", Kind::api},
    {802, "INVALID_PHONE", Kind::api},
    {804, "OPERATOR_UNAVAILABLE", Kind::api},
    {805, "CLIENT_TRANSACTION_ID_EXIST", Kind::api},
};

TEST(ApiCodes, TableHasEveryDocumentedCode) {
  for (const Row& row : kTable) {
    auto info = find_api_code(row.code);
    ASSERT_TRUE(info.has_value()) << row.code;
    EXPECT_EQ(info->message, row.message) << row.code;
    EXPECT_FALSE(info->meaning.empty());
  }
  EXPECT_EQ(api_codes().size(), std::size(kTable) + 1);  // + 0, success
  EXPECT_FALSE(find_api_code(999).has_value());
}

// What the ledger's worker asks to tell a refused login from a refused payout.
TEST(ApiCodes, AuthenticationCodesAreTheOnesThrownAsAuthenticationError) {
  for (const Row& row : kTable) {
    EXPECT_EQ(is_authentication_code(row.code), row.kind == Kind::auth) << row.code;
  }
  EXPECT_FALSE(is_authentication_code(0));
  EXPECT_FALSE(is_authentication_code(999));
}

TEST(ApiCodes, EachCodeThrowsItsType) {
  for (const Row& row : kTable) {
    try {
      throw_api_error(row.code, "", "desc", 200);
    } catch (const AuthenticationError& e) {
      EXPECT_EQ(row.kind, Kind::auth) << row.code;
      EXPECT_EQ(e.code(), row.code);
    } catch (const InsufficientBalanceError&) {
      EXPECT_EQ(row.kind, Kind::balance) << row.code;
    } catch (const NotFoundError&) {
      EXPECT_EQ(row.kind, Kind::not_found) << row.code;
    } catch (const ApiError& e) {
      EXPECT_EQ(row.kind, Kind::api) << row.code;
      EXPECT_EQ(e.api_message(), row.message) << "message filled from the table";
      EXPECT_EQ(e.description(), "desc");
      EXPECT_EQ(e.http_status(), 200);
    }
  }
}

TEST(ApiCodes, UnknownCodeIsAPlainApiError) {
  try {
    throw_api_error(999, "SOMETHING_NEW", "", 418);
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 999);
    EXPECT_NE(std::string(e.what()).find("SOMETHING_NEW"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("HTTP 418"), std::string::npos);
  }
}

TEST(Errors, EveryErrorIsACinetpayError) {
  EXPECT_THROW(throw ValidationError("amount", 2, "bad"), Error);
  EXPECT_THROW(throw TransportError("x", true), Error);
  EXPECT_THROW(throw ProtocolError("x", 502), Error);
  ValidationError v("amount", 2, "must be a multiple of 5");
  EXPECT_EQ(v.field(), "amount");
  EXPECT_EQ(v.index(), 2u);
  EXPECT_NE(std::string(v.what()).find("item 2"), std::string::npos);
}

TEST(Models, StatusWordsAndFinality) {
  EXPECT_TRUE(TreatmentStatus("VAL").is_final());
  EXPECT_TRUE(is_final(TreatmentStatus("REJ")));
  for (const char* open : {"NEW", "REC", "NOS", "", "PAID"})
    EXPECT_FALSE(TreatmentStatus(open).is_final()) << open;
  TreatmentStatus odd("PAID");
  EXPECT_EQ(odd, TreatmentStatus::Code::other);
  EXPECT_EQ(to_string(odd), "PAID") << "an unknown status is carried, not lost";
  EXPECT_EQ(to_string(TreatmentStatus(TreatmentStatus::Code::VAL)), "VAL");
  EXPECT_EQ(to_string(TransferOutcome::accepted), "accepted");
  EXPECT_EQ(to_string(TransferOutcome::rejected), "rejected");
  EXPECT_EQ(to_string(TransferOutcome::unknown), "unknown");
}

}  // namespace
}  // namespace cinetpay
