#!/usr/bin/env bash
# flopmeter against PyTorch: (1) the matmul FLOPs of one training step of GPT-2 small and a
# Llama-style model equal torch.utils.flop_counter's count exactly; (2) with a calibrated profile
# of this machine, the estimate of a PyTorch CPU training step is within 15% of its measured time.
#   scripts/torch_compare.sh [build/flopmeter] [PROFILE.json[@backend]]
# Without PyTorch (pip install torch) both parts say "skipped" and exit 0.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fm=${1:-$here/../build/flopmeter}
profile=${2:-}
python3 "$here/torch_flop_counter.py" --flopmeter "$fm" "$here/../data/models/gpt2.config.json" \
  "$here/../data/models/llama-small.config.json"
if [ -n "$profile" ]; then
  python3 "$here/torch_train_step.py" --flopmeter "$fm" --profile "$profile"
else
  echo "torch_compare: timing comparison skipped: give this machine's calibrated profile as the second argument"
fi
