// Token cross-entropy fused with the softmax, over a chunk of rows, so that the
// full-vocabulary probabilities never exist for the whole batch at once.
//   logits (R,V): in: logits; out (when `grad_scale` != 0): d(loss)/d(logits) =
//                 (softmax - onehot(target)) * weight * grad_scale.
//   targets (R), weights (R): a row with weight 0 or target < 0 is ignored (loss 0,
//                 gradient 0).
//   losses (R):   out: -log softmax(logits)[target] per row (0 for ignored rows).
#pragma once

#include <cstdint>

namespace llmforge::cpu {

void cross_entropy_forward_backward(float* logits, float* losses, const int32_t* targets,
                                    const float* weights, float grad_scale, int r, int v);

}  // namespace llmforge::cpu
