"""Export a .tflite model for a real board: a C array, a header, and an Arduino / ESP32 sketch.

``c_array(tflite)`` writes the model's bytes as C source exactly like ``xxd -i`` does (pure
Python, no tool needed). ``header(tflite)`` wraps it for ``#include``; ``sketch(tflite)`` is an
Arduino sketch whose ``MicroMutableOpResolver`` registers exactly the operators the model
uses and whose tensor arena is the size TensorFlow Lite Micro needed here plus a margin.
``write_project(tflite, folder)`` writes both files into ``folder/<name>/``.
Defined for lesson 07.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from utils.errors import CourseError
from utils.tflite_model import TfliteFile, model_bytes, read_model

# Extra room on top of the arena measured on this 64-bit PC (a 32-bit MCU needs a little less).
ARENA_MARGIN = 0.25


def _identifier(name: str) -> str:
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise CourseError(f"{name!r} is not a C identifier: use letters, digits and underscores, not starting with a digit.")
    return name


def c_array(tflite: TfliteFile, name: str = "g_model") -> str:
    """C source of the model bytes, formatted as ``xxd -i`` formats it (12 bytes per line)."""
    data = model_bytes(tflite)
    name = _identifier(name)
    lines = []
    for i in range(0, len(data), 12):
        chunk = ", ".join(f"0x{b:02x}" for b in data[i:i + 12])
        lines.append(f"  {chunk}" + ("," if i + 12 < len(data) else ""))
    body = "\n".join(lines)
    return f"unsigned char {name}[] = {{\n{body}\n}};\nunsigned int {name}_len = {len(data)};\n"


def resolver_calls(tflite: TfliteFile) -> list[str]:
    """The ``resolver.AddXxx()`` calls for exactly the model's operators (TFLite Micro's method names)."""
    calls = []
    for op in read_model(model_bytes(tflite)).op_names:
        if op.startswith("CUSTOM:"):
            raise CourseError(f"The model uses the custom operator {op[7:]}: register its kernel by hand.")
        # TFLite Micro names each AddXxx after the builtin: CONV_2D -> AddConv2D, RELU6 -> AddRelu6.
        calls.append("Add" + "".join(p.capitalize() if p[0].isalpha() else p for p in op.split("_")))
    return calls


def arena_with_margin(tflite: TfliteFile, margin: float = ARENA_MARGIN) -> int:
    """The smallest arena TFLite Micro needs for the model, plus ``margin``, rounded up to 1 KiB."""
    from utils import tflm

    if not 0 <= margin <= 4:
        raise CourseError(f"margin is a fraction such as 0.25, not {margin!r}.")
    need = tflm.smallest_arena(tflite) if tflm.available() else tflm.arena_report(tflite).total
    return int(math.ceil(need * (1 + margin) / 1024) * 1024)


def header(tflite: TfliteFile, name: str = "g_model") -> str:
    """A C header holding the model as an aligned const array (it stays in flash, not SRAM)."""
    data = model_bytes(tflite)
    name = _identifier(name)
    guard = f"{name.upper()}_DATA_H_"
    array = c_array(data, name).replace(f"unsigned char {name}[]", f"alignas(16) const unsigned char {name}[]")
    array = array.replace(f"unsigned int {name}_len", f"const unsigned int {name}_len")
    return (f"// {name}: a TensorFlow Lite model, {len(data):,} bytes, written by utils.export (like `xxd -i`).\n"
            f"#ifndef {guard}\n#define {guard}\n\n{array}\n#endif  // {guard}\n")


def sketch(tflite: TfliteFile, name: str = "g_model", arena_bytes: int | None = None) -> str:
    """An Arduino (Arm or ESP32) sketch that runs the model once per loop with TensorFlow Lite Micro."""
    data = model_bytes(tflite)
    m = read_model(data)
    m.require_int8("The sketch template")
    name = _identifier(name)
    calls = resolver_calls(data)
    arena = arena_bytes or arena_with_margin(data)
    adds = "\n".join(f"  resolver.{c}();" for c in calls)
    shape = " x ".join(str(d) for d in m.input.shape)
    return f"""// Runs {name} ({len(data):,} bytes, ops: {', '.join(m.op_names)}) with TensorFlow Lite Micro.
// Library: the TFLite Micro Arduino port for your board (e.g. Chirale_TensorFlowLite for Arm and
// ESP32 boards, or Espressif's esp-tflite-micro component under ESP-IDF).
#include <TensorFlowLite.h>
#include "tensorflow/lite/micro/micro_interpreter.h"
#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"
#include "tensorflow/lite/schema/schema_generated.h"
#include "{name}_data.h"

// Arena measured in TFLite Micro on a PC, plus {int(ARENA_MARGIN * 100)}% margin; shrink it once the board reports its own figure.
constexpr int kTensorArenaSize = {arena};
alignas(16) static uint8_t tensor_arena[kTensorArenaSize];

// Exactly the {len(calls)} operators this model uses: registering fewer fails, more wastes flash.
static tflite::MicroMutableOpResolver<{len(calls)}> resolver;
static tflite::MicroInterpreter* interpreter = nullptr;

void setup() {{
  Serial.begin(115200);
  const tflite::Model* model = tflite::GetModel({name});
{adds}
  static tflite::MicroInterpreter static_interpreter(model, resolver, tensor_arena,
                                                     kTensorArenaSize);
  interpreter = &static_interpreter;
  if (interpreter->AllocateTensors() != kTfLiteOk) {{
    Serial.println("AllocateTensors failed: make kTensorArenaSize larger");
    while (true) {{}}
  }}
  Serial.print("Arena used: ");
  Serial.println(interpreter->arena_used_bytes());
}}

void loop() {{
  TfLiteTensor* input = interpreter->input(0);  // int8, {shape}, scale {m.input.scale:.8g}, zero point {m.input.zero_point}
  for (int i = 0; i < input->bytes; ++i) input->data.int8[i] = {m.input.zero_point};  // replace with your sensor data, quantized
  unsigned long start = micros();
  if (interpreter->Invoke() != kTfLiteOk) {{ Serial.println("Invoke failed"); return; }}
  unsigned long took = micros() - start;
  TfLiteTensor* output = interpreter->output(0);  // int8, scale {m.output.scale:.8g}, zero point {m.output.zero_point}
  int best = 0;
  for (int i = 1; i < output->bytes; ++i) if (output->data.int8[i] > output->data.int8[best]) best = i;
  Serial.print("class "); Serial.print(best); Serial.print(" in "); Serial.print(took); Serial.println(" us");
  delay(1000);
}}
"""


def lines_about(source: str, *words: str) -> str:
    """The lines of C ``source`` that mention any of ``words``, each with the lines its statement goes on to
    (after a line ending in ``,`` or ``(``), so a statement broken to fit the page is shown whole."""
    if not isinstance(source, str) or not words or not all(isinstance(w, str) and w for w in words):
        raise CourseError("lines_about needs the C source as text and at least one word to look for.")
    lines, shown = source.splitlines(), []
    for i, line in enumerate(lines):
        goes_on = i > 0 and lines[i - 1].rstrip().endswith((",", "(")) and bool(shown) and shown[-1] == i - 1
        if goes_on or any(w in line for w in words):
            shown.append(i)
    return "\n".join(lines[i] for i in shown)


def write_project(tflite: TfliteFile, folder, name: str = "g_model") -> dict:
    """Write ``<folder>/<name>/<name>.ino`` and ``<name>_data.h``; returns {kind: path}."""
    data = model_bytes(tflite)
    name = _identifier(name)
    target = Path(folder) / name  # Arduino wants the sketch in a folder of the same name
    target.mkdir(parents=True, exist_ok=True)
    paths = {"header": target / f"{name}_data.h", "sketch": target / f"{name}.ino"}
    paths["header"].write_text(header(data, name), encoding="utf-8")
    paths["sketch"].write_text(sketch(data, name), encoding="utf-8")
    return paths
