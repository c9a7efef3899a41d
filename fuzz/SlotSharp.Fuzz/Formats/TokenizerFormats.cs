using SlotSharp.Chat;
using SlotSharp.Fuzz.Seeds;
using SlotSharp.Tokenization;

namespace SlotSharp.Fuzz.Formats;

/// <summary>
/// tokenizer.json through TokenizerLoader.FromFiles, then an encode and decode of a fixed text (special tokens,
/// digits, accents, emoji), so that mutated patterns and vocabularies are exercised, not just parsed.
/// Seeds: stories260K (SentencePiece-style BPE) and Qwen2.5's byte-level BPE cut to its first ids.
/// </summary>
public sealed class TokenizerJsonFormat(SharedSeeds shared) : FuzzFormat
{
    internal const string SampleText = "Hello, world! <|im_start|>user\n12345 naïve café 😀 </s><s>  tabs\tand  spaces";

    public override string Name => "tokenizer.json";
    public override IReadOnlyList<byte[]> Seeds { get; } =
        [shared.Bytes("models", "stories260K", "tokenizer.json"), MiniTokenizer.Shrink(shared.Bytes("tokenizers", "qwen2.5", "tokenizer.json"), 600)];

    public override void Run(byte[] input, string scratch)
    {
        var tokenizer = TokenizerLoader.FromFiles(WriteInput(input, scratch, "tokenizer.json"), TokenizerConfig.Empty);
        var ids = tokenizer.Encode(SampleText);
        tokenizer.Decode(ids);
        tokenizer.Decode(ids, skipSpecialTokens: true, cleanUpTokenizationSpaces: true);
    }
}

/// <summary>
/// tokenizer_config.json through both of its readers: TokenizerConfig.Parse and ChatTemplate.FromModelFolder
/// (special tokens and the chat_template field, which is then parsed).
/// </summary>
public sealed class TokenizerConfigFormat(SharedSeeds shared) : FuzzFormat
{
    public override string Name => "tokenizer_config.json";
    public override IReadOnlyList<byte[]> Seeds { get; } =
    [
        shared.Bytes("models", "stories260K", "tokenizer_config.json"), shared.Bytes("tokenizers", "qwen2.5", "tokenizer_config.json"),
        shared.Bytes("tokenizers", "qwen3", "tokenizer_config.json"), shared.Bytes("tokenizers", "deepseek-r1-distill-qwen", "tokenizer_config.json"),
    ];

    public override void Run(byte[] input, string scratch)
    {
        var path = WriteInput(input, scratch, "tokenizer_config.json");
        TokenizerConfig.Parse(File.ReadAllText(path), path);
        ChatTemplate.FromModelFolder(Path.GetDirectoryName(path)!);
    }
}
