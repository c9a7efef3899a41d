namespace SlotSharp.Tests.Gguf;

/// <summary>`slot tokenize --model FILE.gguf` with no tokenizer.json beside it: the GGUF's own vocabulary.</summary>
public class TokenizeGgufCommandTests(ConvertedModels models) : IClassFixture<ConvertedModels>
{
    [SkippableFact]
    public void EncodesAGoldenPromptWithTheGgufVocabulary()
    {
        var golden = Golden.Load("stories260K");
        var p = golden.Prompts.First(x => x["text"] is not null && Golden.Ints(x["input_ids"]).Length > 2);
        // A child process: the console is process-wide, and other tests write to it in parallel.
        var (code, stdout, stderr) = SlotProcess.Run("tokenize", "--model", models.F32("stories260K"), "--text", (string)p["text"]!, "--json");
        Assert.True(code == 0, stderr);
        var json = System.Text.Json.Nodes.JsonNode.Parse(stdout)!;
        Assert.Equal(Golden.Ints(p["input_ids"]), Golden.Ints(json["ids"]));
    }
}
