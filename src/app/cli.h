// The brainstem command line: serve, keys create, migrate, ingest, tokenize, version.
#pragma once

namespace brainstem::app {

int run_cli(int argc, char** argv);

}  // namespace brainstem::app
