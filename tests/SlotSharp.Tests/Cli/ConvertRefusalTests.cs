using SlotSharp.Gguf;
using SlotSharp.Tests.Checkpoints;

namespace SlotSharp.Tests.Cli;

/// <summary>
/// `slot convert` refuses what the safetensors loader refuses, before it writes anything (issue 19, defect 4: 7 of 36
/// broken folders became unusable GGUFs with exit 0), parses the chat template it embeds, and never touches a file it
/// did not create: the output is staged under a unique name and an existing one is replaced only with --force.
/// </summary>
public sealed class ConvertRefusalTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("slotsharp-convert-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    string Output => Path.Combine(_dir, "out", "model.gguf");

    string TinyQwenCopy()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "out"));
        return CheckpointCopy.Of(SharedAssets.Require("models", "tiny-qwen2"), Path.Combine(_dir, "model"));
    }

    /// <summary>Runs `slot convert`, as f32 unless <paramref name="more"/> names a --type.</summary>
    static (int Code, string Out, string Err) Convert(string model, string output, params string[] more) =>
        SlotProcess.Run(["convert", "--model", model, "--output", output, .. more.Contains("--type") ? [] : new[] { "--type", "f32" }, .. more]);

    /// <summary>Exit 2, one "error:" line (the last), and the output folder exactly as it was: no output, no temporary file.</summary>
    string Refused((int Code, string Out, string Err) run, params string[] filesBefore)
    {
        var (code, stdout, stderr) = run;
        Assert.True(code == 2, $"exit code {code}, stderr: {stderr}");
        Assert.Equal("", stdout);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines, l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Equal(filesBefore.Order(StringComparer.Ordinal), Directory.GetFiles(Path.GetDirectoryName(Output)!).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        return lines[^1];
    }

    [SkippableTheory]
    [InlineData("hidden_size", 48, "'model.embed_tokens.weight' has shape [151936,64], config.json implies [151936,48]")]
    [InlineData("vocab_size", 151900, "'model.embed_tokens.weight' has shape [151936,64], config.json implies [151900,64]")]
    [InlineData("num_hidden_layers", 3, "no tensor 'model.layers.2.input_layernorm.weight'")]
    [InlineData("num_hidden_layers", 1, "tensor 'model.layers.1.input_layernorm.weight' is not part of the model config.json describes (num_hidden_layers 1")]
    [InlineData("intermediate_size", 128, "'model.layers.0.mlp.gate_proj.weight' has shape [160,64], config.json implies [128,64]")]
    public void AConfigThatDisagreesWithTheWeightsIsRefusedBeforeWriting(string field, int value, string expected)
    {
        var folder = TinyQwenCopy();
        CheckpointCopy.EditJson(folder, "config.json", c => c[field] = value);
        Assert.Contains(expected, Refused(Convert(folder, Output)));
    }

    [SkippableFact]
    public void AMissingProjectionIsRefusedNamingIt()
    {
        var folder = TinyQwenCopy();
        CheckpointCopy.RewriteTensors(folder, ts => ts.Where(t => t.Name != "model.layers.1.self_attn.q_proj.weight"));
        Assert.Contains("no tensor 'model.layers.1.self_attn.q_proj.weight'", Refused(Convert(folder, Output)));
    }

    [SkippableTheory]
    [InlineData(new long[] { 64, 64 }, new long[] { 64, 64 }, false)]  // o_proj is [64, 64] already: swapping is a no-op, kept as the control
    [InlineData(new long[] { 32, 64 }, new long[] { 64, 32 }, true)]   // k_proj's [kv*hd, d] swapped
    [InlineData(new long[] { 32, 64 }, new long[] { 16, 128 }, true)]  // the same elements reshaped
    public void ASwappedOrReshapedProjectionIsRefused(long[] stored, long[] written, bool refused)
    {
        var folder = TinyQwenCopy();
        string name = stored[0] == 64 ? "model.layers.0.self_attn.o_proj.weight" : "model.layers.0.self_attn.k_proj.weight";
        CheckpointCopy.RewriteTensors(folder, ts => ts.Select(t =>
        {
            if (t.Name != name) return t;
            Assert.Equal(stored, t.Shape);
            return (t.Name, written, t.Data);
        }));
        var run = Convert(folder, Output);
        if (refused)
            Assert.Contains($"'{name}' has shape [{string.Join(",", written)}], config.json implies [{string.Join(",", stored)}]", Refused(run));
        else
            Assert.True(run.Code == 0, run.Err);
    }

    [SkippableFact]
    public void AChatTemplateThatDoesNotParseIsRefusedNamingItsField()
    {
        var folder = TinyQwenCopy();
        CheckpointCopy.EditJson(folder, "tokenizer_config.json", c => c["chat_template"] = "{% for m in messages %}{{ m.content }");
        var line = Refused(Convert(folder, Output));
        Assert.StartsWith($"error: {Path.Combine(folder, "tokenizer_config.json")}: field 'chat_template' does not parse:", line);
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void AFileNamedLikeTheOldTemporaryIsNeverTouched(bool failing)
    {
        // The quantized path once wrote OUTPUT.unquantized.gguf and deleted it afterwards, whoever's file it was.
        var folder = TinyQwenCopy();
        if (failing) CheckpointCopy.EditJson(folder, "config.json", c => c["hidden_size"] = 48);
        var users = Output + ".unquantized.gguf";
        File.WriteAllText(users, "the user's own file");
        var run = Convert(folder, Output, "--type", "q8_0");
        if (failing) Refused(run, Path.GetFileName(users));
        else
        {
            Assert.True(run.Code == 0, run.Err);
            Assert.Equal(["model.gguf", "model.gguf.unquantized.gguf"],
                Directory.GetFiles(Path.GetDirectoryName(Output)!).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        }
        Assert.Equal("the user's own file", File.ReadAllText(users));
    }

    [SkippableFact]
    public void AnExistingOutputIsReplacedOnlyWithForce()
    {
        var folder = TinyQwenCopy();
        File.WriteAllText(Output, "not a gguf yet");
        var line = Refused(Convert(folder, Output), "model.gguf");
        Assert.Equal($"error: --output '{Output}' exists; pass --force to replace it", line);
        Assert.Equal("not a gguf yet", File.ReadAllText(Output));

        var (code, _, stderr) = Convert(folder, Output, "--force");
        Assert.True(code == 0, stderr);
        // Read back independently of the converter: the header holds the model's 2 layers x 12 tensors (Qwen2 has
        // q/k/v biases), the embedding and the final norm (tied: no output.weight), and nothing else is left beside it.
        using var gguf = GgufFile.Open(Output);
        Assert.Equal(2 * 12 + 2, gguf.Header.Tensors.Count);
        Assert.Equal(["model.gguf"], Directory.GetFiles(Path.GetDirectoryName(Output)!).Select(Path.GetFileName));
    }
}
