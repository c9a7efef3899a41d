using System.Text;

namespace SlotSharp.Tokenization;

/// <summary>A tokenizer.json "normalizer": rewrites the text between added tokens before pre-tokenization.</summary>
internal interface INormalizer
{
    string Normalize(string text);
}

/// <summary>NFC / NFD / NFKC / NFKD.</summary>
internal sealed class UnicodeNormalizer(NormalizationForm form) : INormalizer
{
    public string Normalize(string text) => text.IsNormalized(form) ? text : text.Normalize(form);
}

internal sealed class LowercaseNormalizer : INormalizer
{
    public string Normalize(string text) => text.ToLowerInvariant();
}

/// <summary>Prepends a string to non-empty text (SentencePiece-style "▁" prefix).</summary>
internal sealed class PrependNormalizer(string prepend) : INormalizer
{
    public string Normalize(string text) => text.Length == 0 ? text : prepend + text;
}

/// <summary>Replaces every occurrence of a literal string or a regex (matched by code point) with literal content.</summary>
internal sealed class ReplaceNormalizer : INormalizer
{
    readonly string? _literal;
    readonly CodePointRegex? _regex;
    readonly string _content;

    public ReplaceNormalizer(string? literal, CodePointRegex? regex, string content)
    {
        _literal = literal;
        _regex = regex;
        _content = content;
    }

    public string Normalize(string text) => Apply(text);

    /// <summary>Shared with the Replace decoder, which has the same semantics.</summary>
    public string Apply(string text)
    {
        if (_literal != null) return _literal.Length == 0 ? text : text.Replace(_literal, _content, StringComparison.Ordinal);
        var matches = new List<(int Start, int Length)>();
        _regex!.Matches(text, 0, text.Length, matches);
        if (matches.Count == 0) return text;
        var sb = new StringBuilder(text.Length);
        int prev = 0;
        foreach (var (start, length) in matches)
        {
            sb.Append(text, prev, start - prev).Append(_content);
            prev = start + length;
        }
        return sb.Append(text, prev, text.Length - prev).ToString();
    }
}

internal sealed class SequenceNormalizer(IReadOnlyList<INormalizer> normalizers) : INormalizer
{
    public string Normalize(string text)
    {
        foreach (var n in normalizers) text = n.Normalize(text);
        return text;
    }
}
