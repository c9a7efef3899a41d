using System.Text;
using System.Text.Json;
using SlotSharp.Chat;
using SlotSharp.Checkpoints;
using SlotSharp.Server;
using SlotSharp.Slot;
using SlotSharp.Tokenization;

namespace SlotSharp.Tests.Fuzz;

/// <summary>
/// Inputs the fuzz harness found crashing the model-file parsers and the serve request check (docs/reliability.md),
/// reduced by hand. Each used to end in InvalidOperationException, OverflowException, NullReferenceException or an
/// ArgumentException naming no file; each must now be a SlotSharpException naming the file (and field where known).
/// </summary>
public sealed class ParserFuzzRegressionTests : IDisposable
{
    readonly FuzzInputFolder _inputs = new("slotsharp-fuzz-parsers-");

    string Write(string name, byte[] content) => _inputs.Write(name, content);

    string Write(string name, string content) => _inputs.Write(name, content);

    [SkippableTheory]
    // Found by the fuzzer: JsonNode.ToJsonString of the bad value threw InvalidOperationException while building the error.
    [InlineData("""{"hidden_size": "\ud800"}""", "$.hidden_size")]
    // Found by the fuzzer: JsonObject threw ArgumentException ("An item with the same key has already been added").
    [InlineData("""{"hidden_size": 64, "hidden_size": 64}""", "hidden_size")]
    public void ConfigJsonThatCannotBeReadNamesTheFile(string json, string field)
    {
        var path = Write("config.json", json);
        var e = Assert.Throws<SlotSharpException>(() => ModelConfig.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(field, e.Message);
    }

    [SkippableFact]
    public void GenerationConfigWithADuplicatedKeyNamesTheFile()
    {
        var path = Write("generation_config.json", """{"eos_token_id": 1, "eos_token_id": 2}""");
        var e = Assert.Throws<SlotSharpException>(() => GenerationConfig.LoadOrNull(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("eos_token_id", e.Message);
    }

    [SkippableTheory]
    [InlineData("""{"bos_token": "\udc00"}""", "$.bos_token")]
    [InlineData("""{"eos_token": {"content": "\ud800x"}}""", "$.eos_token.content")]
    [InlineData("""{"chat_template": [{"name": "default", "template": "\ud800"}]}""", "$.chat_template[0].template")]
    public void TokenizerConfigWithALoneSurrogateNamesTheField(string json, string where)
    {
        var e = Assert.Throws<SlotSharpException>(() => TokenizerConfig.Parse(json, "tc.json"));
        Assert.StartsWith("tc.json: ", e.Message);
        Assert.Contains(where, e.Message);
    }

    [SkippableTheory]
    // ED A0 80 is U+D800 encoded as UTF-8, which UTF-8 forbids; the JSON reader lets it through and
    // JsonElement.GetString threw InvalidOperationException in ChatTemplate.
    [InlineData("chat_template", "$.chat_template")]
    [InlineData("bos_token", "$.bos_token")]
    public void ChatTemplateFromAConfigWithInvalidUtf8NamesTheFile(string field, string where)
    {
        var json = Encoding.UTF8.GetBytes($$"""{"{{field}}": "ab###cd"}""");
        int at = Array.IndexOf(json, (byte)'#');
        json[at] = 0xED; json[at + 1] = 0xA0; json[at + 2] = 0x80;
        var path = Write("tokenizer_config.json", json);
        var e = Assert.Throws<SlotSharpException>(() => ChatTemplate.FromModelFolder(_inputs.Dir));
        Assert.Contains(path, e.Message);
        Assert.Contains(where, e.Message);
    }

    [SkippableFact]
    public void SafetensorsHeaderWithALoneSurrogateNamesTheFile()
    {
        var header = Encoding.UTF8.GetBytes("""{"w\ud800": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}""");
        var path = Write("model.safetensors", [.. BitConverter.GetBytes((ulong)header.Length), .. header, 0, 0, 0, 0]);
        var e = Assert.Throws<SlotSharpException>(() => SafetensorsFile.Open(path));
        Assert.Contains(path, e.Message);
    }

    [SkippableFact]
    public void DeltaFileWithALoneSurrogateInItsMetadataNamesTheFile()
    {
        var header = Encoding.UTF8.GetBytes(
            """{"__metadata__": {"model": "\udfff"}, "delta": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}""");
        var path = Write("delta.safetensors", [.. BitConverter.GetBytes((ulong)header.Length), .. header, 0, 0, 0, 0]);
        var e = Assert.Throws<SlotSharpException>(() => SlotDeltaFile.LoadDelta(path, 1));
        Assert.Contains(path, e.Message);
        Assert.Contains("$.__metadata__.model", e.Message);
    }

    [SkippableTheory]
    // 2147483647: the table size maxId + 1 overflowed (OverflowException); 978309063: the table asked for 8.8 GB.
    [InlineData(2147483647L)]
    [InlineData(978309063L)]
    [InlineData(-1L)]
    [InlineData((long)TokenizerOptions.DefaultMaxTokenId)]
    public void TokenizerJsonWithAnOutOfRangeVocabIdNamesTheEntry(long id)
    {
        var path = Write("tokenizer.json", $$$"""{"model": {"type": "BPE", "vocab": {"a": 0, "huge": {{{id}}}}, "merges": []}}""");
        var e = Assert.Throws<SlotSharpException>(() => TokenizerLoader.FromFiles(path, TokenizerConfig.Empty));
        Assert.Contains(path, e.Message);
        Assert.Contains("\"huge\"", e.Message);
    }

    [SkippableFact]
    public void TokenizerJsonIdJustBelowTheLimitLoads()
    {
        int id = TokenizerOptions.DefaultMaxTokenId - 1;
        var path = Write("tokenizer.json", $$$"""{"model": {"type": "BPE", "vocab": {"a": 0, "b": {{{id}}}}, "merges": []}}""");
        var tokenizer = TokenizerLoader.FromFiles(path, TokenizerConfig.Empty);
        Assert.Equal("b", tokenizer.Decode([id], skipSpecialTokens: false));
    }

    [SkippableFact]
    public void ServeRequestWithANullMessageNamesTheEntry()
    {
        // {"messages": [null]} threw NullReferenceException in Resolve: the server answered 500 instead of 400.
        var request = JsonSerializer.Deserialize<GenerateRequest>("""{"messages": [{"role": "user", "content": "hi"}, null]}""")!;
        var e = Assert.Throws<SlotSharpException>(() => request.Resolve(new SlotOptions()));
        Assert.Contains("'messages[1]'", e.Message);
    }

    public void Dispose() => _inputs.Dispose();
}
