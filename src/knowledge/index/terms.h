// index_terms: the one tokenizer BM25 indexes documents and queries with.
//  - Words are runs of ASCII letters/digits and non-ASCII UTF-8 bytes (so "café", "Straße",
//    "данные" stay whole), except Unicode punctuation from U+00A0..U+00BF, U+2000..U+207F and
//    U+3000..U+303F, which separates like ASCII punctuation does.
//  - ASCII is lower-cased; other scripts are left as written.
//  - Dropped: 1-character ASCII terms and a short English stop-word list.
//  - Light suffix stripping of all-letter ASCII terms, one rule, the stem keeping 3+ letters:
//    "-ing"/"-ed" (stem 4+: "testing" -> "test"), "-ies" -> "-y", "-es" after x/ss/ch/sh
//    ("indexes" -> "index"), else "-s" unless "-ss"/"-us"/"-is" ("cases" -> "case"). Crude
//    ("running" -> "runn") but applied alike to documents and queries.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace brainstem::knowledge {

std::vector<std::string> index_terms(std::string_view text);

}  // namespace brainstem::knowledge
