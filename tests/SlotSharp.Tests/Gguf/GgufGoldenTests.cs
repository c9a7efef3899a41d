using SlotSharp.Gguf;
using SlotSharp.Backends;
using SlotSharp.Generation;
using SlotSharp.Tests.Oracles;

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
        var p = golden.Prompt(prompt);
        int[] ids = Golden.Ints(p["input_ids"]);
        using var backend = LlamaCppBackend.Load(_models.F32(model), new LlamaCppOptions { ContextSize = 1024, MaxSequences = 1, Threads = 2 });
        using var sequence = backend.Prefill(ids, keepHidden: true, expectedLength: ids.Length + 24);
        int t = ids.Length, d = backend.HiddenSize;

        var expectedLogits = Golden.Doubles(p["logits_last"]!["values"]);
        Assert.Equal(expectedLogits.Length, backend.VocabSize);
        Golden.AssertClose(expectedLogits, sequence.Logits, 1e-4, "logits_last");
        var lastHidden = sequence.PromptHidden!.Row(t - 1).ToArray();
        Golden.AssertClose(Golden.Doubles(p["last_hidden"]), lastHidden, 1e-4, "last_hidden");

        var gen = p["generate"]!;
        var result = DecodeLoop.Decode(backend, sequence, new GenerationOptions
        {
            MaxNewTokens = (int)gen["max_new_tokens"]!,
            StopIds = Golden.Ints(gen["stop_ids"]),
        });
        Assert.Equal(Golden.Ints(gen["greedy_times0"]), result.GeneratedIds);
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
