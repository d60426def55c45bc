#include "knowledge/extract/xml_reader.h"

#include <libxml/parser.h>
#include <libxml/xmlreader.h>

#include <climits>
#include <mutex>

namespace brainstem::knowledge::detail {

namespace {

std::string_view view(const xmlChar* text) {
  return text == nullptr ? std::string_view{} : std::string_view(reinterpret_cast<const char*>(text));
}

}  // namespace

void init_libxml() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
}

XmlReader::XmlReader(std::string_view xml) {
  init_libxml();
  if (xml.size() > INT_MAX) {
    failed_ = true;
    return;
  }
  reader_ = xmlReaderForMemory(xml.data(), static_cast<int>(xml.size()), nullptr, nullptr,
                               XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  failed_ = reader_ == nullptr;
}

XmlReader::~XmlReader() {
  if (reader_ != nullptr) xmlFreeTextReader(reader_);
}

bool XmlReader::next() {
  if (reader_ == nullptr) return false;
  int result = skipped_ ? skip_result_ : xmlTextReaderRead(reader_);
  skipped_ = false;
  if (result < 0) failed_ = true;
  return result == 1;
}

bool XmlReader::named(std::string_view local_name) const {
  return view(xmlTextReaderConstLocalName(reader_)) == local_name;
}

bool XmlReader::at_start(std::string_view local_name) const {
  return xmlTextReaderNodeType(reader_) == XML_READER_TYPE_ELEMENT && named(local_name);
}

bool XmlReader::at_end(std::string_view local_name) const {
  int type = xmlTextReaderNodeType(reader_);
  bool ends = type == XML_READER_TYPE_END_ELEMENT ||
              (type == XML_READER_TYPE_ELEMENT && xmlTextReaderIsEmptyElement(reader_) == 1);
  return ends && named(local_name);
}

std::string XmlReader::attribute(std::string_view local_name) const {
  std::string value;
  for (int more = xmlTextReaderMoveToFirstAttribute(reader_); more == 1;
       more = xmlTextReaderMoveToNextAttribute(reader_)) {
    if (named(local_name)) {
      value = view(xmlTextReaderConstValue(reader_));
      break;
    }
  }
  xmlTextReaderMoveToElement(reader_);
  return value;
}

std::string XmlReader::text() const {
  xmlChar* text = xmlTextReaderReadString(reader_);
  std::string out(view(text));
  xmlFree(text);
  return out;
}

void XmlReader::skip_element() {
  skip_result_ = xmlTextReaderNext(reader_);
  skipped_ = true;
}

}  // namespace brainstem::knowledge::detail
