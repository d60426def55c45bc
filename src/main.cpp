#include "app/cli.h"

int main(int argc, char** argv) { return brainstem::app::run_cli(argc, argv); }
