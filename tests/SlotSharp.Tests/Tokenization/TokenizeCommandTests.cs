using SlotSharp.Cli.Commands;
using SlotSharp.Tokenization;

namespace SlotSharp.Tests.Tokenization;

public class TokenizeCommandTests
{
    [SkippableFact]
    public void JsonOutputHasIdsAndTokens()
    {
        var tok = TokenizerLoader.FromModelFolder(SharedAssets.Require("tokenizers", "llama3"));
        // ids from golden_encode.json's "Hello world" case for llama3 (BOS first).
        var ids = tok.Encode("Hello world");
        Assert.Equal([128000, 9906, 1917], ids);
        Assert.Equal("{\"ids\":[128000,9906,1917],\"tokens\":[\"<|begin_of_text|>\",\"Hello\",\"Ġworld\"]}\n", TokenizeCommand.Format(tok, ids, json: true));
        Assert.Equal("2 tokens\n9906\t\"Hello\"\n1917\t\"Ġworld\"\n", TokenizeCommand.Format(tok, tok.Encode("Hello world", false), json: false));
    }

    [SkippableFact]
    public void MissingModelFolderIsAUserError()
    {
        Assert.Equal(2, SlotSharp.Cli.Program.Run(["tokenize", "--model", "/nonexistent/model", "--text", "x"]));
    }
}
