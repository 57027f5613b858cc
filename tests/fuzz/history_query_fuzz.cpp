// GET /v1/calls and /v1/calls.csv query strings: filters, time ranges in zones, page sizes and
// cursors; and a cursor that decodes encodes back to itself.
#include <vector>

#include "fuzz_support.hpp"
#include "history/call_filter.hpp"
#include "history/cursor.hpp"
#include "provider/twilio/form.hpp"

using namespace callrouter;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = fuzz::as_text(data, size);
  if (auto form = twilio::parse_form(text)) {
    std::vector<history::QueryParam> params;
    for (auto& p : form->params) params.emplace_back(std::move(p.name), std::move(p.value));
    for (auto kind : {history::QueryKind::page, history::QueryKind::csv}) {
      auto query = history::parse_history_query(params, kind, "Asia/Tokyo");
      if (query) fuzz::require(query->limit >= 1 && query->limit <= 500, "a page is 1..500 calls");
    }
  }
  if (auto at = history::decode_cursor(text)) {
    auto again = history::decode_cursor(history::encode_cursor(*at));
    fuzz::require(again && *again == *at, "a cursor survives encode and decode");
  }
  return 0;
}
