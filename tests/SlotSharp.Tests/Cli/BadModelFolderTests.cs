using System.Text.Json.Nodes;
using SlotSharp.Tests.Checkpoints;

namespace SlotSharp.Tests.Cli;

/// <summary>
/// `slot generate` on a model folder with a bad config value or non-finite weights: exit code 2 and one line naming
/// the file and field (these once ended in exit 134 with a stack trace, or in exit 0 with ids [0,0,0,0]).
/// </summary>
public sealed class BadModelFolderTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("slotsharp-badmodel-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    static (int Code, string Out, string Err) Generate(string folder) =>
        SlotProcess.Run("generate", "--model", folder, "--prompt-ids", "1,403,407", "--times", "0", "--max-new-tokens", "4", "--dtype", "fp32", "--json");

    static string OneErrorLine(int code, string stderr)
    {
        Assert.Equal(2, code);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return Assert.Single(lines);
    }

    [SkippableTheory]
    [InlineData("config.json", "num_attention_heads", "0")]
    [InlineData("config.json", "num_key_value_heads", "0")]
    [InlineData("config.json", "architectures", "[5]")]
    [InlineData("config.json", "architectures", "[null]")]
    [InlineData("config.json", "eos_token_id", "[\"x\"]")]
    [InlineData("config.json", "hidden_size", "4294967360")]
    [InlineData("config.json", "vocab_size", "1000000000000")]
    [InlineData("config.json", "num_hidden_layers", "-1")]
    [InlineData("config.json", "rms_norm_eps", "-1")]
    [InlineData("config.json", "rope_theta", "0")]
    [InlineData("generation_config.json", "eos_token_id", "[\"x\"]")]
    [InlineData("generation_config.json", "repetition_penalty", "0")]
    public void BadFieldExitsTwoWithOneLineNamingFileAndField(string file, string field, string value)
    {
        var folder = CheckpointCopy.Of(SharedAssets.Require("models", "stories260K"), Path.Combine(_dir, "model"));
        CheckpointCopy.EditJson(folder, file, j => j[field] = JsonNode.Parse(value));
        var (code, _, stderr) = Generate(folder);
        var line = OneErrorLine(code, stderr);
        Assert.StartsWith($"error: {Path.Combine(folder, file)}: field '{field}' ", line);
    }

    [SkippableFact]
    public void NaNWeightExitsTwoWithOneLine()
    {
        var folder = CheckpointCopy.Of(SharedAssets.Require("models", "stories260K"), Path.Combine(_dir, "model"));
        CheckpointCopy.EditWeights(folder, (name, data) => { if (name == "model.norm.weight") data[0] = float.NaN; });
        var (code, stdout, stderr) = Generate(folder);
        Assert.Contains("non-finite logits", OneErrorLine(code, stderr));
        Assert.Equal("", stdout);
    }
}
