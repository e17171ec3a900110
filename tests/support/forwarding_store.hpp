// A ledger store that hands every operation to another: a test overrides the few it
// changes (one that fails on some transitions, say) and keeps the rest real.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "ledger/store.hpp"

namespace cinetpay::mocks {

class ForwardingStore : public detail::LedgerStore {
 public:
  explicit ForwardingStore(std::unique_ptr<detail::LedgerStore> inner) : inner_(std::move(inner)) {}

  detail::InsertResult insert(const std::vector<detail::PayoutRow>& rows,
                              const PayoutEvent& submitted) override {
    return inner_->insert(rows, submitted);
  }
  std::map<std::string, Payout> recorded(const std::vector<std::string>& ids) override {
    return inner_->recorded(ids);
  }
  std::optional<detail::PayoutRow> find(const std::string& id) override { return inner_->find(id); }
  std::vector<PayoutEvent> history(const std::string& id) override { return inner_->history(id); }
  std::vector<detail::PayoutRow> list(std::optional<PayoutState> state,
                                      std::size_t limit) override {
    return inner_->list(state, limit);
  }
  std::map<PayoutState, LedgerSummary::Total> totals(const std::vector<std::string>& only,
                                                     const PayoutQuery& filters) override {
    return inner_->totals(only, filters);
  }
  std::vector<detail::PositionedRow> search(const PayoutQuery& query) override {
    return inner_->search(query);
  }
  std::vector<detail::HourTotal> activity(detail::TimePoint from,
                                          detail::TimePoint until) override {
    return inner_->activity(from, until);
  }
  std::vector<PayoutChange> changes_after(std::int64_t cursor, std::size_t limit) override {
    return inner_->changes_after(cursor, limit);
  }
  std::int64_t consumer_cursor(const std::string& consumer) override {
    return inner_->consumer_cursor(consumer);
  }
  bool acknowledge(const std::string& consumer, std::int64_t cursor,
                   detail::TimePoint now) override {
    return inner_->acknowledge(consumer, cursor, now);
  }
  std::vector<detail::PayoutRow> claim(const detail::Claim& claim) override {
    return inner_->claim(claim);
  }
  std::vector<detail::PayoutRow> due_accepted(detail::TimePoint now, std::size_t limit) override {
    return inner_->due_accepted(now, limit);
  }
  std::vector<bool> apply(const std::vector<detail::Transition>& transitions) override {
    return inner_->apply(transitions);
  }
  PauseStatus sending_switch() override { return inner_->sending_switch(); }
  void set_sending_switch(const PauseStatus& status) override {
    inner_->set_sending_switch(status);
  }
  void heartbeat(const std::string& worker_id, detail::TimePoint at,
                 const std::string& stats) override {
    inner_->heartbeat(worker_id, at, stats);
  }
  std::vector<WorkerStatus> workers(detail::TimePoint since, detail::TimePoint now) override {
    return inner_->workers(since, now);
  }
  std::size_t renew(const std::string& worker_id, detail::TimePoint lease_until) override {
    return inner_->renew(worker_id, lease_until);
  }
  std::set<std::pair<std::string, std::string>> registered(
      const std::vector<Contact>& contacts) override {
    return inner_->registered(contacts);
  }
  void remember(const std::vector<Contact>& contacts, detail::TimePoint at) override {
    inner_->remember(contacts, at);
  }

 private:
  std::unique_ptr<detail::LedgerStore> inner_;
};

}  // namespace cinetpay::mocks
