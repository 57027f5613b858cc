#include "store/answer_records.hpp"

#include <fmt/format.h>

#include "store/journal.hpp"

namespace callrouter::store {

std::string answer_key(std::string_view org_id, std::string_view kind, std::string_view id) {
  return make_key({org_id, kind, id});
}

std::string redirect_answer_id(std::string_view call_sid, int visit) { return fmt::format("{}/{}", call_sid, visit); }

}  // namespace callrouter::store
