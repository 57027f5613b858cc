// One CSV cell as RFC 4180 wants it and as a spreadsheet may open it safely: text that starts with
// = + - @ TAB or CR gets a leading apostrophe, so Excel or LibreOffice shows it instead of running
// it as a formula (phone numbers "+81…" stay text: "'+81…"); a cell with a comma, quote, CR or LF
// is quoted with its quotes doubled. Rows end with CRLF.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace callrouter::history {

inline constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
inline constexpr std::string_view kCsvRowEnd = "\r\n";

// Text from anyone (names, numbers, ids): neutralised and quoted as needed.
void append_csv_text(std::string& out, std::string_view text);
// A number we computed: written as digits, so the spreadsheet reads it as a number.
void append_csv_number(std::string& out, std::int64_t n);

}  // namespace callrouter::history
