// Speedrun presets. "tiny" checks that every stage works (it is the end-to-end
// test); "default" is sized to reach the QA targets within 30 minutes on two cores.
#include "core/error.h"
#include "speedrun/speedrun.h"

namespace llmforge {

SpeedrunPreset speedrun_preset(const std::string& name) {
  SpeedrunPreset p;
  p.name = name;
  if (name == "tiny") {
    p.world.people = 24;
    p.world.pages_per_person = 16;
    p.world.arithmetic_documents = 10;
    p.world.list_documents = 60;
    p.world.reading_documents = 20;  // the path runs in the tests; the default preset has none
    p.world.identity_conversations = 200;
    p.world.smalltalk_conversations = 60;
    p.vocab_size = 768;
    p.model.dim = 128, p.model.n_layers = 2, p.model.n_heads = 4, p.model.n_kv_heads = 4;
    p.model.ffn_dim = 352, p.model.max_seq_len = 128;
    p.pretrain_steps = 300, p.pretrain_micro_batch = 8, p.pretrain_warmup = 20;
    p.pretrain_lr = 3e-3;
    p.sft_epochs = 3, p.sft_micro_batch = 8, p.sft_lr = 1e-3, p.sft_eval_every = 10;
    p.sft_replay_rows = 2;
    // A 128-token context holds four "NAME -> March 4, 1975" examples, not eight.
    p.icl_queries_per_attribute = 6, p.icl_shots = {0, 1, 2, 4};
    // Search: a 128-token context holds a question, a call, 48 tokens of result and
    // an answer.
    p.world.post_crawl_people = 8;
    p.search_result_tokens = 48, p.search_eval_per_group = 6, p.search_sft_epochs = 3;
    p.search_fresh_people = 8;
    // GRPO: only that both routes run and measure.
    p.grpo_train_items = 200, p.grpo_heldout_items = 16, p.grpo_cold_start = 100;
    p.grpo_cold_start_epochs = 2, p.grpo_steps = 4, p.grpo_r1zero_steps = 3;
    p.grpo_cold_start_target = 0.9, p.grpo_cold_start_check_items = 8;  // checked, out of reach
    p.grpo_prompts = 4, p.grpo_group = 4, p.grpo_max_new_tokens = 32;
    p.grpo_eval_every = 2, p.grpo_eval_prompts = 16;
    p.world.nobody_train = 24, p.world.nobody_eval = 12;
    // Three samples and one epoch: the tiny run checks that the stage works, in seconds.
    p.idk_samples = 3, p.idk_epochs = 1, p.idk_lr = 5e-4;
    // RLHF: only that both stages run and measure.
    p.rm_prompts = 24, p.rm_responses = 3, p.rm_max_new_tokens = 24, p.rm_epochs = 1;
    p.rlhf_steps = 3, p.rlhf_prompts = 2, p.rlhf_group = 2, p.rlhf_eval_prompts = 8;
    p.expected_time = "about 3 minutes";
  } else if (name == "default") {
    p.world.people = 100;
    p.world.pages_per_person = 25;
    // Arithmetic practice: 600 documents of one-digit steps within [0, 20] (about a
    // quarter of the pretraining tokens). On seed 1 (2-core Xeon, bf16) the base model
    // then gets 59 of 60 single steps right (seed 2: 58; 300 documents: 39 of 60); the
    // old 40 documents of two-digit sums and products left it unable to add 3 + 4, and
    // GRPO nothing to reinforce. Held-out QA: 99.0% on seed 1, 98.3% on seed 2
    // (bench/RESULTS.md, "RL rollouts and GRPO").
    p.world.arithmetic_documents = 600;
    // Lists of people and one fact each teach the base model to continue a pattern,
    // which in-context learning needs (world/lists.cc).
    p.world.list_documents = 400;
    // Identity: 3000 conversations, on seed 1's base model, answer 100.0% of the
    // identity questions under unseen system prompts where 1000 answered 60.0% (and
    // held-out QA 96.0% vs 88.3%); giving half of the 1000 invented names, which only
    // the system prompt supplies, fell to 33.3% (bench/RESULTS.md, "Speedrun").
    p.world.identity_conversations = 3000;
    p.vocab_size = 2048;
    p.model.dim = 256, p.model.n_layers = 4, p.model.n_heads = 4, p.model.n_kv_heads = 4;
    p.model.ffn_dim = 704, p.model.max_seq_len = 256;
    p.pretrain_steps = 800, p.pretrain_micro_batch = 16, p.pretrain_warmup = 40;
    p.pretrain_lr = 3e-3;
    // SFT: eight epochs, because three left "Where was X born?" confused with "When
    // was X born?" and identity answers need the steps. Without replay a learning rate
    // above pretraining's final 3e-4 erased held-out facts (63% at 1e-3, 80% at 5e-4,
    // same base model) while identity wanted the larger one. Replaying four rows of
    // pretraining text beside every 16 rows of conversations (sft/sft.h) removes that
    // trade-off: on seed 1's base model, 5e-4 without replay gave held-out QA 83.0% and
    // identity 20.0%; 1e-3 with replay 95.0% (the base model completes 96.0%) and 53.3%
    // (bench/RESULTS.md, "Speedrun", SFT replay).
    p.sft_epochs = 8, p.sft_micro_batch = 16, p.sft_lr = 1e-3, p.sft_eval_every = 20;
    p.sft_replay_rows = 4, p.sft_replay_weight = 1.0;
    // Search: 150 result tokens hold one person page (about 130 tokens at this
    // vocabulary) in the 256-token context next to the question, call and answer.
    // Three epochs of the search SFT: with one, seed 1's model searched for 3% of
    // post-crawl questions and wrote broken calls; with three, 52% and well-formed.
    // Reading conversations (pages pasted above questions) with 120 post-crawl people
    // took 262 steps and cut held-out accuracy without tools from 63% to 33%, so off
    // (bench/RESULTS.md, "Post-training stages on the default preset"). Three epochs
    // take about 200 s quietly; 48 evaluation questions per group keep the stage near
    // its 5 minutes (60 took 106 s to evaluate).
    p.world.post_crawl_people = 40;
    p.search_result_tokens = 150, p.search_eval_per_group = 48, p.search_sft_epochs = 3;
    // Reading practice is off. On seed 1 (2-core Xeon, bf16) fresh people alone taught
    // searching for the right name (found the page 4% -> 79%) but not reading it; with
    // 1000 reading conversations in SFT (world.reading_conversations) post-crawl accuracy
    // with search went 0.0% -> 60.4%, but on seed 2 they cut the chat model's held-out
    // QA from 96.3% to 84.3% (79.3% with 300), more than issue 12 allows; reading
    // documents in pretraining cost crawl knowledge (bench/RESULTS.md, "Post-training
    // stages", reading practice).
    p.search_fresh_people = 0;
    // idk: 200 training strangers and three phrasings per known fact. On seed 1 (Zen 3, fp32, two epochs),
    // 60 strangers left hallucination at 66.7%; 400 took it to 18.3% but refused
    // 30.2% of known facts; 200 with three phrasings gave 25.0% and 10.3%. Replaying
    // pretraining text beside them changed nothing (25.6%, 11.2%).
    // Four epochs rather than two (2-core Xeon, bf16, seed 1): two left 19.6% of known
    // facts refused and crawl-only accuracy 98.3% -> 72.7%; four refuse 7.1% and keep
    // 91.3% (selective 99.3%), at 18.9% hallucination instead of 13.3%. 400 strangers
    // moved along the same trade-off (bench/RESULTS.md, "Post-training stages").
    p.world.nobody_train = 200, p.world.nobody_eval = 30;
    p.idk_epochs = 4, p.idk_lr = 2e-4, p.idk_phrasings_per_fact = 3;
    // rm: 1000 prompts instead of 400. The chat model answers most prompts the same way
    // every time (about 60% of sampled pairs are identical texts), so 400 prompts left
    // under 90 held-out pairs, and seed 1's reward model fell below the length-only
    // baseline against the true preference (75.0% vs 85.5%); with 1000, 89.0% vs 81.4%
    // (seed 2: 94.4% vs 76.5%), for about 2.5 minutes on a 2-core Xeon.
    p.rm_prompts = 1000;
    // GRPO: four-number problems (three-number ones start too near the ceiling for RL
    // to show). In the "steps" think format a cold start of four epochs wrote steps
    // whose numbers were not the question's (held-out greedy 1%), of twelve 31%; GRPO
    // from it lost accuracy at 1e-4 with 8 prompts a step (31% -> 22%) and held it at
    // 5e-5 with 32 (33%).
    p.grpo_operands = 4;
    p.grpo_prompts = 32, p.grpo_lr = 5e-5;
    // The "rest" think format ("13 + 2 = 15, 15 - 3 + 5": each step followed by what is
    // left), so each step copies its numbers from the line before, not the question.
    // From the "steps" format's cold start GRPO gained at most 3 points on held-out
    // problems and lost 9 at a higher learning rate; from the rest format's it gains.
    // Sixteen cold-start epochs: twelve left 15% (seed 1) and 9% (seed 2), where GRPO's
    // gains were 7 and 0; sixteen give 69% and 62%, and 40 GRPO steps 92% and 77%;
    // twenty give 96% and 73%, too near the ceiling on seed 1 for RL to show
    // (bench/RESULTS.md, "RL rollouts and GRPO"). Answers are about 55 tokens long.
    // Where a fixed count lands is not reproducible, though: sixteen epochs in the
    // speedrun gave 93% on seed 1 (69% on one thread) and 52% on seed 2. Validation
    // accuracy over a 20-epoch cold start stays under 40% for twelve epochs, then
    // climbs within two or three (seed 1: 36% -> 66% -> 82%; seed 2: 28% -> 42% ->
    // 62%) and levels off (92%, 62-68%). So the cold start stops at the first
    // quarter-epoch check where half of 100 validation problems are right: the format
    // learned, room left for GRPO. (Half-epoch checks on 50 problems landed at 50%,
    // 56% and 68% held-out; GRPO added 27, 27 and 16.) Its schedule is 30 epochs
    // long: in a 20-epoch one seed 2 on two threads never got past 24%, while in a
    // 30-epoch one it reached 51% after 12.7 epochs.
    p.grpo_think_format = "rest", p.grpo_cold_start_epochs = 30;
    p.grpo_cold_start_target = 0.5;
    p.grpo_steps = 60, p.grpo_max_new_tokens = 64;
    p.expected_time = "about 28 minutes to the chat model, 45 with the stages after it";
  } else {
    ErrorBuilder("speedrun") << "unknown preset '" << name << "' (tiny or default)";
  }
  return p;
}

std::vector<std::string> speedrun_preset_names() { return {"tiny", "default"}; }

}  // namespace llmforge
