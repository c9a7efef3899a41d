using SlotSharp.Backends;
using SlotSharp.Gguf;
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
                using var last = seq.PromptHidden![ids.Length - 1];
                var h = SlotSharp.Runtime.TensorHost.Floats(last);
                // The emulation against llama.cpp's own logits of the same h (checks the Q8_0 activation rounding model).
                double emulation = MaxDiff(MatVec(w, v, d, Q8RoundTrip(h)), seq.Logits);
                var shifted = h.Zip(delta, (a, b) => a + b).ToArray();
                var forward = MatVec(w, v, d, Q8RoundTrip(shifted));
                var basePart = MatVec(w, v, d, Q8RoundTrip(h));
                var bias = MatVec(w, v, d, delta);
                var viaBias = basePart.Zip(bias, (a, b) => a + b).ToArray();
                double gap = MaxDiff(forward, viaBias), scale = bias.Max(Math.Abs);
                output.WriteLine($"{p["name"]}: max |forward(h + delta) - (logits(h) + W delta)| = {gap:g3} " +
                    $"(max |W delta| {scale:g3}); argmax same: {ArgMax(forward) == ArgMax(viaBias)}; emulation vs llama.cpp {emulation:g3}");
            }
        }
        finally { Directory.Delete(dir, recursive: true); }
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
