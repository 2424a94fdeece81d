"""Published relative training throughput of accelerators, one V100 16GB = 1.0.

Public figures (each one data point, not a law; sources in
:mod:`syne_mohb.blackboxes.runtime_model`'s docstring): V100 1.0; T4 0.34 (NVIDIA's tables);
A10G 3935 / 5438 (AWS samples: RoBERTa fine-tuning on ml.p3.2xlarge vs ml.g5.xlarge); A100
938 / 367 (NVIDIA ResNet-50, TF32 vs V100 FP32). *Modelled* from dense 16-bit tensor peaks
against the V100's 125 TFLOPS: L4, L40S, H100, H200, B200, B300, Trainium
(:data:`MODELLED_GPU_SPEEDS`). An accelerator not listed (e.g. the RTX PRO GPUs of the g7 and
g7e types, whose dense 16-bit peaks were not found published) counts as half a V100 in the
online model until the run's own results say otherwise.

Used in two places: the offline benchmarks' runtime model (how tables are generated) and the
online hardware model (:mod:`syne_mohb.hardware.model`), where it is one *feature* of an
instance type among its specs, whose effect is learnt from the run's own results.
"""
from __future__ import annotations

V100_TENSOR_TFLOPS = 125.0  # dense FP16 tensor peak, NVIDIA V100 SXM2 datasheet

GPU_RELATIVE_SPEED: dict[str, float] = {
    "V100": 1.0,
    "T4": 0.34,
    "A10G": 3935.0 / 5438.0,
    "A100": 938.0 / 367.0,
    # modelled from dense 16-bit tensor peaks
    "L4": 121.0 / V100_TENSOR_TFLOPS,
    "L40S": 362.0 / V100_TENSOR_TFLOPS,
    "H100": 989.0 / V100_TENSOR_TFLOPS,
    "H200": 989.0 / V100_TENSOR_TFLOPS,  # the H100's die, more memory
    "B200": 2250.0 / V100_TENSOR_TFLOPS,
    "B300": 2250.0 / V100_TENSOR_TFLOPS,
    "Trainium": 190.0 / V100_TENSOR_TFLOPS,
}
MODELLED_GPU_SPEEDS = frozenset({"L4", "L40S", "H100", "H200", "B200", "B300", "Trainium"})
"""Entries of :data:`GPU_RELATIVE_SPEED` modelled from peak throughput, not measured."""
