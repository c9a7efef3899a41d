using System.Text.RegularExpressions;

namespace SlotSharp.Tokenization;

/// <summary>
/// Source-generated regexes for the split patterns of common tokenizer.json files. A pattern that equals one of
/// these skips runtime regex compilation at load (about 100 ms cold); any other pattern is compiled at runtime.
/// They carry the default match timeout (attributes need a constant), so they serve only that setting.
/// </summary>
static partial class KnownPatterns
{
    const string Qwen2 = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
    const string Llama3 = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    internal const int TimeoutMs = 10_000;

    [GeneratedRegex(Qwen2, RegexOptions.CultureInvariant, TimeoutMs)]
    private static partial Regex Qwen2Regex();

    [GeneratedRegex(Llama3, RegexOptions.CultureInvariant, TimeoutMs)]
    private static partial Regex Llama3Regex();

    [GeneratedRegex(ByteLevelPreTokenizer.Gpt2Pattern, RegexOptions.CultureInvariant, TimeoutMs)]
    private static partial Regex Gpt2Regex();

    public static Regex? Find(string pattern, TimeSpan matchTimeout) =>
        matchTimeout == TimeSpan.FromMilliseconds(TimeoutMs) ? Find(pattern) : null;

    static Regex? Find(string pattern) => pattern switch
    {
        Qwen2 => Qwen2Regex(),
        Llama3 => Llama3Regex(),
        ByteLevelPreTokenizer.Gpt2Pattern => Gpt2Regex(),
        _ => null,
    };
}
