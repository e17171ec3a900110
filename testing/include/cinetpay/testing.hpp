// cinetpay::testing: test doubles for code that uses cinetpay-cpp. Link cinetpay::testing
// (find_package(cinetpay COMPONENTS testing)); it brings GoogleTest's gmock.
#pragma once

#include "cinetpay/testing/answers.hpp"             // IWYU pragma: export
#include "cinetpay/testing/fast_options.hpp"        // IWYU pragma: export
#include "cinetpay/testing/manual_clock.hpp"        // IWYU pragma: export
#include "cinetpay/testing/mock_transfer_api.hpp"   // IWYU pragma: export
#include "cinetpay/testing/scripted_transport.hpp"  // IWYU pragma: export
