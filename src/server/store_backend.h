// The server's model-management routes (/api/tags, /api/show, /api/copy, /api/delete, /api/create,
// /api/blobs) backed by the store at a root: what `corral serve` runs, and what the server tests run
// against a temporary store. Each call opens the store afresh, so models created or removed by other
// processes (`corral create`, `corral rm`) are seen at once.
#pragma once

#include <string>

#include "server/server.h"

namespace corral::server {

void UseStore(ServerOptions& options, const std::string& root);

}  // namespace corral::server
