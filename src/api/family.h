// Route families: which product's API a route belongs to, and so which envelope its
// responses and errors use (DESIGN.md §3).
#pragma once

#include <string_view>

namespace brainstem::api {

enum class Family {
  kCerebral,   // seed 000: {success,data} / {success:false,error:{code,message,requestId}}
  kCerebrum,   // seed 001: bare objects; errors {error:true,message,code,timestamp}
  kCendriix,   // seed 002: bare objects; errors {error:{code,message,requestId,fieldErrors}}
  kCellstate,  // seed 003: bare objects with _links; errors {code,message,details}
  kCortex,     // seed 004: bare objects; errors {detail} (422: detail[] with loc/msg/type)
  kOpenai,     // {error:{message,type,param,code}}
  kAnthropic,  // {type:"error",error:{type,message}}
  kSystem,     // brainstem's own: /openapi.json, /metrics; errors as Cendriix
};

std::string_view family_name(Family f);
std::string_view family_seed(Family f);  // "000".."004", or "" for the others
// The family of a path no route matched, so even a 404 speaks the caller's dialect.
Family family_for_unrouted_path(std::string_view path);

}  // namespace brainstem::api
