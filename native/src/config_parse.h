// Minimal reader of flat JSON objects with numeric/boolean values (driver configs). Enough for
// {"channels":4,"fps":30,"reference":true}; anything else is reported, not guessed.
#pragma once
#include <cctype>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>

namespace specula {

/** Parses `{"key": number|true|false, ...}`; throws std::invalid_argument naming the problem. */
inline std::map<std::string, double> ParseFlatJson(const std::string& s) {
  std::map<std::string, double> out;
  size_t i = 0;
  auto ws = [&] { while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i; };
  auto fail = [&](const std::string& what) {
    throw std::invalid_argument("config: " + what + " at offset " + std::to_string(i) + " of " + s);
  };
  ws();
  if (i == s.size()) return out;  // empty config = defaults
  if (s[i] != '{') fail("expected '{'");
  ++i;
  ws();
  if (i < s.size() && s[i] == '}') return out;
  for (;;) {
    ws();
    if (i >= s.size() || s[i] != '"') fail("expected a quoted key");
    const size_t k0 = ++i;
    while (i < s.size() && s[i] != '"') ++i;
    if (i >= s.size()) fail("unterminated key");
    const std::string key = s.substr(k0, i - k0);
    ++i;
    ws();
    if (i >= s.size() || s[i] != ':') fail("expected ':' after \"" + key + "\"");
    ++i;
    ws();
    if (s.compare(i, 4, "true") == 0) { out[key] = 1; i += 4; }
    else if (s.compare(i, 5, "false") == 0) { out[key] = 0; i += 5; }
    else {
      char* end = nullptr;
      const double v = std::strtod(s.c_str() + i, &end);
      if (end == s.c_str() + i) fail("value of \"" + key + "\" must be a number or boolean");
      out[key] = v;
      i = static_cast<size_t>(end - s.c_str());
    }
    ws();
    if (i < s.size() && s[i] == ',') { ++i; continue; }
    if (i < s.size() && s[i] == '}') return out;
    fail("expected ',' or '}'");
  }
}

}  // namespace specula
