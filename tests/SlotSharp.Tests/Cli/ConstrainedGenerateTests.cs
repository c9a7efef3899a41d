using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using SlotSharp.Tests.Generation.Constraints;

namespace SlotSharp.Tests.Cli;

/// <summary>`slot generate --json-schema FILE` and `--grammar FILE` end to end, and their user errors (exit 2, one line).</summary>
public sealed class ConstrainedGenerateTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("slotsharp-constrained-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [SkippableFact]
    public void JsonSchemaAndGrammarFilesConstrainTheGeneratedText()
    {
        var golden = Golden.Load("tiny-qwen2");
        var schema = Write("schema.json", SchemaSamples.Strict);
        var (code, stdout, stderr) = SlotProcess.Run("generate", "--model", golden.ModelDir, "--prompt", "Answer:", "--json-schema", schema,
            "--max-new-tokens", "300", "--temperature", "1", "--seed", "2", "--json");
        Assert.True(code == 0, stderr);
        var o = (JsonObject)JsonNode.Parse(stdout)!;
        string text = (string)o["text"]!;
        Assert.True(JsonSchema.FromText(SchemaSamples.Strict).Evaluate(JsonDocument.Parse(text).RootElement).IsValid, text);

        var grammar = Write("yesno.gbnf", "root ::= answer \".\"\nanswer ::= \"yes\" | \"no\" # either\n");
        (code, stdout, stderr) = SlotProcess.Run("generate", "--model", golden.ModelDir, "--prompt", "Answer:", "--grammar", grammar,
            "--max-new-tokens", "20", "--json");
        Assert.True(code == 0, stderr);
        Assert.Contains((string)((JsonObject)JsonNode.Parse(stdout)!)["text"]!, new[] { "yes.", "no." });
    }

    [SkippableFact]
    public void ABadSchemaOrGrammarFileIsOneLineNamingItWithExitCode2()
    {
        var golden = Golden.Load("tiny-qwen2");
        var schema = Write("bad.json", "{\"type\": \"string\", \"format\": \"date\"}");
        var (code, _, stderr) = SlotProcess.Run("generate", "--model", golden.ModelDir, "--prompt", "x", "--json-schema", schema);
        Assert.Equal(2, code);
        Assert.Contains("bad.json", stderr, StringComparison.Ordinal);
        Assert.Contains("'format'", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Trim().Split('\n'));

        var grammar = Write("bad.gbnf", "root ::= root \"a\"\n");
        (code, _, stderr) = SlotProcess.Run("generate", "--model", golden.ModelDir, "--prompt", "x", "--grammar", grammar);
        Assert.Equal(2, code);
        Assert.Contains("bad.gbnf", stderr, StringComparison.Ordinal);
        Assert.Contains("left-recursive", stderr, StringComparison.Ordinal);

        (code, _, stderr) = SlotProcess.Run("generate", "--model", golden.ModelDir, "--prompt", "x", "--grammar", Path.Combine(_dir, "missing.gbnf"));
        Assert.Equal(2, code);
        Assert.Contains("missing.gbnf", stderr, StringComparison.Ordinal);
    }
}
