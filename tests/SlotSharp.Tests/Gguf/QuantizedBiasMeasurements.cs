using SlotSharp.Backends;
using SlotSharp.Chat;
using SlotSharp.Generation;
using SlotSharp.Gguf;

using SlotSharp.Slot;
using Xunit.Abstractions;

namespace SlotSharp.Tests.Gguf;

/// <summary>
/// A measurement recorded in docs/backends.md, not a check (runs only with SLOTSHARP_MEASURE=1): on a Q8_0 file
/// llama.cpp rounds the activation to Q8_0 blocks before the output product, so lm_head(h + delta) is no longer
/// exactly lm_head(h) + W delta. With the golden SLOT deltas of tiny-qwen2, how far is the bias path from the forward?
/// Command: SLOTSHARP_MEASURE=1 dotnet test SlotSharp.slnx -c Release --no-build --filter "FullyQualifiedName~QuantizedBiasMeasurements"
/// --logger "console;verbosity=detailed"
/// </summary>
public class QuantizedBiasMeasurements(ITestOutputHelper output)
{
    [SkippableFact]
    public void BiasPathAgainstForwardOnQ8_0()
    {
        Skip.IfNot(Environment.GetEnvironmentVariable("SLOTSHARP_MEASURE") == "1", "set SLOTSHARP_MEASURE=1 to measure");
        var golden = Golden.Load("tiny-qwen2");
        var dir = Directory.CreateTempSubdirectory("slotsharp-q8-").FullName;
        try
        {
            var path = Path.Combine(dir, "tiny-qwen2.q8_0.gguf");
            GgufConverter.Convert(golden.ModelDir, path, GgufFileType.Q8_0);
            float[] w; int v, d;
            using (var file = GgufFile.Open(path)) (w, v, d) = GgufLmHead.Read(file);
            using var backend = LlamaCppBackend.Load(path, new LlamaCppOptions { ContextSize = 1024, MaxSequences = 1, Threads = 2 });
            foreach (var p in golden.Prompts.Where(p => Golden.Ints(p["input_ids"]).Length >= 2))
            {
                var ids = Golden.Ints(p["input_ids"]);
                var delta = Golden.Doubles(((System.Text.Json.Nodes.JsonArray)p["slot_seed"]!).Cast<System.Text.Json.Nodes.JsonObject>()
                    .First(r => (int)r["times"]! == 5 && (double)r["lr"]! == 0.1)["delta"]).Select(x => (float)x).ToArray();
                using var seq = backend.Prefill(ids, keepHidden: true, ids.Length + 1);
                output.WriteLine($"{p["name"]}: {Compare(seq, w, v, d, delta)}");
            }
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>
    /// The same comparison on Qwen2.5-0.5B's shape (random weights from `slot bench gguf --work DIR`, which also keeps its
    /// GGUF files; missing ones are converted into a temp folder) in Q8_0 and Q4_K_M, with a realistic delta: SLOT times 5,
    /// lr 0.1 on a chat-templated GSM8K question, run on that file by llama.cpp.
    /// Command: SLOTSHARP_MEASURE=1 SLOTSHARP_MEASURE_05B=DIR dotnet test ... --filter "FullyQualifiedName~QuantizedBiasMeasurements.BiasPathOn05BShape"
    /// </summary>
    [SkippableFact]
    public void BiasPathOn05BShape()
    {
        Skip.IfNot(Environment.GetEnvironmentVariable("SLOTSHARP_MEASURE") == "1", "set SLOTSHARP_MEASURE=1 to measure");
        var work = Environment.GetEnvironmentVariable("SLOTSHARP_MEASURE_05B");
        Skip.If(work == null, "set SLOTSHARP_MEASURE_05B to the folder of `slot bench gguf --work DIR`");
        var checkpoint = Path.Combine(work!, "random-qwen2.5-0.5b");
        var temp = Directory.CreateTempSubdirectory("slotsharp-05b-").FullName;
        try
        {
            foreach (var type in new[] { GgufFileType.Q8_0, GgufFileType.Q4_K_M })
            {
                var path = Path.Combine(work!, $"random-qwen2.5-0.5b.{type.Name}.gguf");
                if (!File.Exists(path)) GgufConverter.Convert(checkpoint, path = Path.Combine(temp, Path.GetFileName(path)), type);
                float[] w; int v, d; GgmlType wType;
                using (var file = GgufFile.Open(path))
                {
                    (w, v, d) = GgufLmHead.Read(file);
                    wType = (file.Find("output.weight") ?? file.Find("token_embd.weight"))!.Type;
                }
                // Q4_0, Q5_0 and Q8_0 weights take Q8_0 activations in llama.cpp; other types would need another emulation.
                Skip.IfNot(wType is GgmlType.Q8_0 or GgmlType.Q5_0 or GgmlType.Q4_0, $"{type.Name}: W is {wType}, whose activation rounding is not emulated");
                using var pipeline = TestModel.Load(path, new ModelLoadOptions { LlamaCpp = new LlamaCppOptions { ContextSize = 1024, MaxSequences = 1, Threads = 2 } });
                var ids = pipeline.EncodeChat([new ChatMessage("user", Gsm8kQuestion)]);
                using var seq = pipeline.Prefill(ids, new GenerationOptions { MaxNewTokens = 1 });
                var slot = pipeline.RunSlot(seq, new SlotOptions { Times = 5, Lr = 0.1 });
                output.WriteLine($"{type.Name} (W {wType}, {ids.Length} prompt tokens, SLOT losses {string.Join(" ", slot.Losses.Select(l => l.ToString("F3")))}): " +
                                 Compare(seq, w, v, d, slot.Delta));
            }
        }
        finally { Directory.Delete(temp, recursive: true); }
    }

    /// <summary>GSM8K test question 0 (shared/datasets/gsm8k), the kind of prompt SLOT is evaluated on.</summary>
    const string Gsm8kQuestion = "Janet\u2019s ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes muffins for her " +
        "friends every day with four. She sells the remainder at the farmers' market daily for $2 per fresh duck egg. How much in " +
        "dollars does she make every day at the farmers' market?";

    /// <summary>
    /// At the last prompt position: the forward with h + delta (activation rounded as llama.cpp rounds it) against the
    /// bias path (llama.cpp's rounding of h, plus W delta unrounded), and the emulation against llama.cpp's own logits.
    /// </summary>
    static string Compare(BackendSequence seq, float[] w, int v, int d, float[] delta)
    {
        var h = seq.PromptHidden!.Row(seq.PromptIds.Length - 1).ToArray();
        var basePart = MatVec(w, v, d, Q8RoundTrip(h));
        double emulation = MaxDiff(basePart, seq.Logits);
        var forward = MatVec(w, v, d, Q8RoundTrip(h.Zip(delta, (a, b) => a + b).ToArray()));
        var bias = MatVec(w, v, d, delta);
        var viaBias = basePart.Zip(bias, (a, b) => a + b).ToArray();
        double gap = MaxDiff(forward, viaBias), scale = bias.Max(Math.Abs);
        return $"max |forward(h + delta) - (logits(h) + W delta)| = {gap:g3} (max |W delta| {scale:g3}, ratio {gap / scale:P2}); " +
               $"argmax same: {ArgMax(forward) == ArgMax(viaBias)}; emulation vs llama.cpp {emulation:g3}";
    }

    /// <summary>llama.cpp's quantize_row_q8_0 and back: blocks of 32, scale max|x|/127 stored as fp16, round half away.</summary>
    static float[] Q8RoundTrip(float[] x)
    {
        var y = new float[x.Length];
        for (int b = 0; b < x.Length; b += 32)
        {
            float amax = 0;
            for (int i = b; i < b + 32; i++) amax = Math.Max(amax, Math.Abs(x[i]));
            float scale = amax / 127f, inverse = scale != 0 ? 1f / scale : 0f, stored = (float)(Half)scale;
            for (int i = b; i < b + 32; i++) y[i] = stored * MathF.Round(x[i] * inverse, MidpointRounding.AwayFromZero);
        }
        return y;
    }

    static float[] MatVec(float[] w, int v, int d, float[] x)
    {
        var y = new float[v];
        for (int r = 0; r < v; r++)
        {
            double s = 0;
            for (int c = 0; c < d; c++) s += (double)w[(long)r * d + c] * x[c];
            y[r] = (float)s;
        }
        return y;
    }

    static double MaxDiff(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();

    static int ArgMax(float[] x) => Array.IndexOf(x, x.Max());
}
