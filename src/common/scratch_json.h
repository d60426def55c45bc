// ScratchJson: an arena for a JSON tree that is built or read and dropped within one scope
// (an upstream reply being decoded, a reply being rendered).
#pragma once

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/storage_ptr.hpp>

namespace brainstem {

// The tree's nodes come from a buffer on the stack, then from the heap, and are freed at
// once when the scope ends instead of one by one.
class ScratchJson {
 public:
  boost::json::storage_ptr storage() { return &resource_; }

 private:
  unsigned char bytes_[4096];
  boost::json::monotonic_resource resource_{bytes_, sizeof bytes_};
};

}  // namespace brainstem
