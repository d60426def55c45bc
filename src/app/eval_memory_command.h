// `brainstem eval memory FILE`: measures how well memory brings back what was said, on a
// long-conversation benchmark in the public LoCoMo JSON layout (a list of samples, each with
// `conversation` — speaker_a, speaker_b, session_N lists of {speaker, dia_id, text} and
// session_N_date_time — and `qa` — question, answer, evidence dia_ids, category).
//
// Each conversation is loaded through the public API into a tenant of its own (a new account
// each; with --key, every conversation goes into that key's tenant as its own trajectory and
// searches are filtered by it): one trajectory, one scope per session, its turns with the
// speaker and session date in their metadata. Every question is then asked of
// POST /api/v1/search over turns in each mode, and the command prints, per category and mode,
// evidence recall@5 and @10 (any and all of a question's evidence found), MRR@10 and the median
// search latency, beside plain BM25 over the same turns' texts computed by the command itself.
// Questions without evidence (adversarial ones: never said) are counted, not scored.
//
// With --model (a model the server has), each question is also answered by that model from
// the turns the default mode recalled (POST /v1/chat/completions), and the command prints the
// token F1 of the answers against the gold ones (SQuAD-style: lower case, punctuation and
// articles dropped) and the tokens used per question.
//
// Without --server it runs an embedded server on a temporary data directory (configured by
// --config, e.g. to give it models).
#pragma once

#include <ostream>
#include <string>

namespace brainstem::app {

struct EvalMemoryCommand {
  std::string file;
  std::string server;   // "" : an embedded server
  std::string api_key;  // with --server: one tenant for every conversation (else new accounts)
  std::string mode = "all";  // keyword | vector | hybrid | all (the three, the default mode and BM25)
  std::string model;         // answers questions from the recalled turns when set
  std::string config_file;   // the embedded server's configuration
  bool json = false;         // one JSON document on stdout instead of the table
};

// Returns the process exit code: 0 when every conversation loaded and every question was asked.
int run_eval_memory(const EvalMemoryCommand& command, std::ostream& out, std::ostream& err);

}  // namespace brainstem::app
