#include "store/workflow_records.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <charconv>

namespace callrouter::store {
namespace {

std::string seq_digits(std::uint64_t seq) { return fmt::format("{:020}", seq); }

}  // namespace

std::string workflow_key(std::string_view org_id, std::string_view workflow_id) {
  return make_key({org_id, "workflow", workflow_id});
}

WriteOp put_workflow(const workflows::Workflow& wf) {
  return {Cf::config, workflow_key(wf.org_id, wf.id), encode_value(workflows::stored_json(wf))};
}

WriteOp erase_workflow(std::string_view org_id, std::string_view workflow_id) {
  return {Cf::config, workflow_key(org_id, workflow_id), {}, true};
}

Expected<std::vector<workflows::Workflow>> load_workflows(const Reader& journal, std::string_view org_id) {
  std::vector<workflows::Workflow> out;
  std::string error;
  journal.scan_prefix(Cf::config, make_key({org_id, "workflow", ""}), [&](std::string_view, std::string_view stored) {
    auto payload = decode_value(stored);
    auto parsed = payload ? workflows::parse_workflow(*payload, {}, {workflows::Source::stored, true})
                          : Expected<workflows::Parsed>(unexpected(std::string("unknown value version")));
    if (!parsed) {
      error = fmt::format("workflow record of org '{}' cannot be read: {}", org_id, parsed.error());
      return false;
    }
    out.push_back(std::move(parsed->workflow));
    return true;
  });
  if (!error.empty()) return unexpected(error);
  return out;
}

std::string delivery_key(std::string_view org_id, std::string_view workflow_id, std::uint64_t event_seq) {
  return make_key({org_id, "wf-delivery", workflow_id, seq_digits(event_seq)});
}

std::string pending_delivery_key(std::string_view org_id, std::uint64_t event_seq, std::string_view workflow_id) {
  return make_key({org_id, "wf-pending", seq_digits(event_seq), workflow_id});
}

void put_delivery(const workflows::Delivery& d, WriteSet& out) {
  out.push_back({Cf::outbox, delivery_key(d.org_id, d.workflow_id, d.event_seq), encode_value(workflows::stored_json(d))});
  auto pending = pending_delivery_key(d.org_id, d.event_seq, d.workflow_id);
  if (d.final()) {
    out.push_back({Cf::outbox, std::move(pending), {}, true});
  } else {
    out.push_back({Cf::outbox, std::move(pending), {}});
  }
}

std::optional<workflows::Delivery> read_delivery(const Reader& journal, std::string_view org_id,
                                                 std::string_view workflow_id, std::uint64_t event_seq) {
  auto stored = journal.get(Cf::outbox, delivery_key(org_id, workflow_id, event_seq));
  if (!stored) return std::nullopt;
  auto payload = decode_value(*stored);
  if (!payload) return std::nullopt;
  auto d = workflows::delivery_from_json(*payload);
  if (!d) return std::nullopt;
  return std::move(*d);
}

std::vector<workflows::Delivery> read_deliveries(const Reader& journal, std::string_view org_id,
                                                 std::string_view workflow_id, std::uint64_t after, std::size_t limit) {
  std::vector<workflows::Delivery> out;
  if (limit == 0 || after == std::numeric_limits<std::uint64_t>::max()) return out;
  journal.scan_prefix(
      Cf::outbox, make_key({org_id, "wf-delivery", workflow_id, ""}),
      [&](std::string_view, std::string_view stored) {
        if (auto payload = decode_value(stored)) {
          if (auto d = workflows::delivery_from_json(*payload)) out.push_back(std::move(*d));
        }
        return out.size() < limit;
      },
      delivery_key(org_id, workflow_id, after + 1));
  return out;
}

std::vector<workflows::Delivery> read_pending_deliveries(const Reader& journal, std::string_view org_id) {
  std::vector<workflows::Delivery> out;
  const auto prefix = make_key({org_id, "wf-pending", ""});
  journal.scan_prefix(Cf::outbox, prefix, [&](std::string_view key, std::string_view) {
    // seq (20 digits) NUL workflow
    auto rest = key.substr(prefix.size());
    std::uint64_t seq = 0;
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + std::min<std::size_t>(rest.size(), 20), seq);
    if (ec != std::errc() || rest.size() < 22) return true;
    auto workflow_id = rest.substr(21);
    if (auto d = read_delivery(journal, org_id, workflow_id, seq); d && !d->final()) {
      out.push_back(std::move(*d));
    } else {
      spdlog::warn("workflows: pending index of org {} names a delivery that is not pending (seq {}, {})", org_id, seq,
                   workflow_id);
    }
    return true;
  });
  return out;
}

}  // namespace callrouter::store
