// Internal: a forward-only XML reader (libxml2's xmlTextReader) for OOXML parts, so that
// large parts are read in one pass without building a tree. Elements are matched by local
// name, whatever prefix the file gives their namespace. No network access, no DTD loading;
// libxml2's entity-expansion guards stay on.
#pragma once

#include <string>
#include <string_view>

typedef struct _xmlTextReader* xmlTextReaderPtr;

namespace brainstem::knowledge::detail {

// Initialises libxml2 once; it must happen before threads use the library.
void init_libxml();

class XmlReader {
 public:
  explicit XmlReader(std::string_view xml);  // `xml` must outlive the reader
  ~XmlReader();
  XmlReader(const XmlReader&) = delete;
  XmlReader& operator=(const XmlReader&) = delete;

  // Moves to the next node; false at the end of the document or at malformed XML.
  bool next();
  // False once the XML turned out not to be well-formed.
  bool ok() const { return !failed_; }

  bool at_start(std::string_view local_name) const;
  // An end tag, or a self-closing start tag (which has no end tag of its own).
  bool at_end(std::string_view local_name) const;

  // The current element's attribute by local name; empty when absent.
  std::string attribute(std::string_view local_name) const;
  // All the text inside the current element.
  std::string text() const;
  // Makes the next call to next() land after the current element and all it contains.
  void skip_element();

 private:
  bool named(std::string_view local_name) const;  // the current node's (or attribute's) local name

  xmlTextReaderPtr reader_ = nullptr;
  bool failed_ = false;
  bool skipped_ = false;
  int skip_result_ = 0;
};

}  // namespace brainstem::knowledge::detail
