using SlotSharp.Gguf;
using SlotSharp.LlamaCpp;

namespace SlotSharp.Tests.Gguf;

/// <summary>
/// `slot convert` to F32, then llama.cpp (an independent implementation) on the converted file must reproduce the
/// float32 reference's goldens: last-position logits and hidden state within 1e-4 and the greedy ids. A wrong tensor
/// name, a missing or wrong q/k permutation, a bad rope or tokenizer key moves these far outside the tolerance.
/// </summary>
public class GgufGoldenTests : IClassFixture<ConvertedModels>
{
    readonly ConvertedModels _models;
    public GgufGoldenTests(ConvertedModels models) => _models = models;

    public static IEnumerable<object[]> Cases() => Golden.ModelsAndPrompts("tiny-qwen2", "stories260K");

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void F32ConversionReproducesGoldenOnLlamaCpp(string model, string prompt)
    {
        var golden = Golden.Load(model);
        Skip.If(prompt == "(missing)");
        var p = golden.Prompt(prompt);
        int[] ids = Golden.Ints(p["input_ids"]);
        using var lm = LlamaCppModel.Load(_models.F32(model), contextSize: 1024, threads: 2);
        var (hidden, last) = lm.Prefill(ids, allHidden: true);
        int t = ids.Length, v = lm.VocabSize, d = lm.HiddenSize;

        var expectedLogits = Golden.Doubles(p["logits_last"]!["values"]);
        Assert.Equal(expectedLogits.Length, v);
        AssertClose(expectedLogits, last, 1e-4, "logits_last");
        AssertClose(Golden.Doubles(p["last_hidden"]), hidden!.AsSpan((t - 1) * d, d).ToArray(), 1e-4, "last_hidden");

        var gen = p["generate"]!;
        var stop = Golden.Ints(gen["stop_ids"]).ToHashSet();
        var expectedIds = Golden.Ints(gen["greedy_times0"]);
        var got = new List<int>();
        var row = last;
        for (int pos = t; got.Count < (int)gen["max_new_tokens"]!; pos++)
        {
            int next = ArgMax(row);
            got.Add(next);
            if (stop.Contains(next)) break;
            row = lm.Step(next, pos).ToArray();
        }
        Assert.Equal(expectedIds, got);
    }

    static int ArgMax(float[] row)
    {
        int best = 0;
        for (int i = 1; i < row.Length; i++) if (row[i] > row[best]) best = i;
        return best;
    }

    static void AssertClose(double[] expected, float[] actual, double tol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0; int at = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            double diff = Math.Abs(expected[i] - actual[i]);
            if (diff > worst) { worst = diff; at = i; }
        }
        Assert.True(worst <= tol, $"{what}: max |diff| {worst:g3} at {at} exceeds {tol:g3}");
    }
}

/// <summary>Converts each shared model to F32 GGUF once per test run, in a temp folder deleted afterwards.</summary>
public sealed class ConvertedModels : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("slotsharp-gguf-").FullName;
    readonly Dictionary<string, string> _files = new();
    readonly Lock _gate = new();

    public string F32(string model)
    {
        lock (_gate)
        {
            if (_files.TryGetValue(model, out var path)) return path;
            path = Path.Combine(_dir, model + ".f32.gguf");
            GgufConverter.Convert(SharedAssets.Require("models", model), path, GgufFileType.F32);
            return _files[model] = path;
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
