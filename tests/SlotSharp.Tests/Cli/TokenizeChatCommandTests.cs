using System.Text.Json.Nodes;

namespace SlotSharp.Tests.Cli;

public class TokenizeChatCommandTests
{
    [SkippableFact]
    public void ChatRendersTheTemplateAndMatchesTheGoldenSlotGsm8kIds()
    {
        // golden_chat.json's slot_gsm8k case: the SLOT system prompt + the Janet question, generation prompt on.
        var goldens = JsonNode.Parse(File.ReadAllText(SharedAssets.Require("tokenizers", "qwen2.5", "golden_chat.json")))!.AsArray();
        var c = goldens.Single(x => (string?)x!["name"] == "slot_gsm8k")!;
        var messages = c["messages"]!.AsArray();
        var (code, stdout, stderr) = SlotProcess.Run("tokenize", "--model", SharedAssets.Require("tokenizers", "qwen2.5"),
            "--chat", "--system", (string)messages[0]!["content"]!, "--text", (string)messages[1]!["content"]!, "--json");
        Assert.True(code == 0, stderr);
        Assert.Equal(Golden.Ints(c["ids"]), Golden.Ints(JsonNode.Parse(stdout)!["ids"]));
        Assert.Equal(166, Golden.Ints(c["ids"]).Length); // shared/tokenizers/README.md: 166 tokens for Qwen2.5
    }
}
