// CSV cells from hostile text, read back as RFC 4180 says a reader must: one cell, the text as
// given (with the apostrophe that keeps a spreadsheet from running it), never a formula.
#include <string>

#include "fuzz_support.hpp"
#include "history/csv_field.hpp"

using namespace callrouter;

namespace {

bool formula_start(char c) { return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r'; }

// One RFC 4180 field followed by ",": the cell's text, and whether the field ended exactly there.
std::pair<std::string, bool> read_one_cell(std::string_view row) {
  std::string cell;
  std::size_t i = 0;
  if (!row.empty() && row.front() == '"') {
    for (i = 1; i < row.size(); ++i) {
      if (row[i] != '"') {
        cell.push_back(row[i]);
      } else if (i + 1 < row.size() && row[i + 1] == '"') {
        cell.push_back('"');
        ++i;
      } else {
        break;  // the closing quote
      }
    }
    if (i >= row.size()) return {cell, false};
    ++i;
  } else {
    i = row.find_first_of(",\"\r\n");
    if (i == std::string_view::npos || row[i] != ',') return {cell, false};
    cell = row.substr(0, i);
  }
  return {cell, row.substr(i) == ","};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = fuzz::as_text(data, size);
  std::string row;
  history::append_csv_text(row, text);
  row += ",";
  auto [cell, whole] = read_one_cell(row);
  fuzz::require(whole, "a cell is one RFC 4180 field");
  fuzz::require(cell.empty() || !formula_start(cell.front()), "a cell never starts like a formula");
  const bool guarded = !text.empty() && formula_start(text.front());
  fuzz::require(cell == (guarded ? "'" + std::string(text) : std::string(text)), "a cell reads back as its text");
  return 0;
}
