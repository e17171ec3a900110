// The names a merchant's test file meets after `using namespace cinetpay;`: the test doubles'
// namespace must not hide GoogleTest's ::testing. While the doubles lived in
// cinetpay::testing, `testing::StrictMock` below named cinetpay::testing::StrictMock and this
// file did not compile.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cinetpay/testing.hpp>
#include <cinetpay/transfer.hpp>
#include <memory>

using namespace cinetpay;  // what a merchant writes; the very point of this test

namespace {

TEST(Names, GoogleTestsTestingAndTheMocksMeetUnderUsingNamespaceCinetpay) {
  auto api = std::make_shared<testing::StrictMock<mocks::MockTransferApi>>();
  EXPECT_CALL(*api, balance(testing::_)).WillOnce(testing::Return(Balance{700, 300, 400}));
  TransferClient client(api);
  EXPECT_EQ(client.balance().in_using, 300);
}

}  // namespace
