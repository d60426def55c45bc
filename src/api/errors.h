// Renders a Status in a family's error envelope. One mapping per family, in one place.
#pragma once

#include "api/family.h"
#include "common/status.h"
#include "http/message.h"

#include <string>

namespace brainstem::api {

http::Response render_error(Family family, const Status& status, const std::string& request_id);

}  // namespace brainstem::api
