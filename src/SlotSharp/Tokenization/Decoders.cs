using System.Text;

namespace SlotSharp.Tokenization;

/// <summary>A tokenizer.json "decoder": HF decode_chain, token strings in, token strings out (joined at the end).</summary>
internal interface IDecoder
{
    List<string> DecodeChain(List<string> tokens);
}

/// <summary>Byte-level tokens back to UTF-8 text; invalid sequences become U+FFFD (Rust from_utf8_lossy).</summary>
internal sealed class ByteLevelDecoder : IDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        var bytes = new List<byte>(tokens.Count * 4);
        foreach (var t in tokens) ByteLevelAlphabet.AppendTokenBytes(t, bytes);
        return [Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes))];
    }
}

/// <summary>
/// Runs of &lt;0xXX&gt; tokens become the text of their bytes; an invalid run becomes one U+FFFD per byte token
/// (HF ByteFallback).
/// </summary>
internal sealed class ByteFallbackDecoder : IDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        var pending = new List<byte>();
        foreach (var t in tokens)
        {
            if (TryParseByte(t, out var b)) { pending.Add(b); continue; }
            Flush(pending, result);
            result.Add(t);
        }
        Flush(pending, result);
        return result;
    }

    static readonly UTF8Encoding Strict = new(false, throwOnInvalidBytes: true);

    static void Flush(List<byte> pending, List<string> result)
    {
        if (pending.Count == 0) return;
        try { result.Add(Strict.GetString(pending.ToArray())); }
        catch (DecoderFallbackException) { for (int i = 0; i < pending.Count; i++) result.Add("\uFFFD"); }
        pending.Clear();
    }

    public static bool TryParseByte(string token) => TryParseByte(token, out _);

    public static bool TryParseByte(string token, out byte value)
    {
        value = 0;
        return token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
            && byte.TryParse(token.AsSpan(3, 2), System.Globalization.NumberStyles.HexNumber, null, out value);
    }
}

/// <summary>Joins all tokens into one.</summary>
internal sealed class FuseDecoder : IDecoder
{
    public List<string> DecodeChain(List<string> tokens) => [string.Concat(tokens)];
}

/// <summary>Removes up to start/stop leading/trailing occurrences of a character from each token.</summary>
internal sealed class StripDecoder(char content, int start, int stop) : IDecoder
{
    public List<string> DecodeChain(List<string> tokens) => tokens.Select(Strip).ToList();

    string Strip(string token)
    {
        int from = 0, to = token.Length;
        while (from < Math.Min(start, token.Length) && token[from] == content) from++;
        for (int i = 0; i < stop && to > from && token[to - 1] == content; i++) to--;
        return token[from..to];
    }
}

/// <summary>Replace on each token (same pattern semantics as the Replace normalizer).</summary>
internal sealed class ReplaceDecoder(ReplaceNormalizer replace) : IDecoder
{
    public List<string> DecodeChain(List<string> tokens) => tokens.Select(replace.Apply).ToList();
}

/// <summary>
/// Metaspace: the replacement character becomes a space, except in the first token when a prefix was
/// prepended at encode time (HF drops it there).
/// </summary>
internal sealed class MetaspaceDecoder(char replacement, PrependScheme scheme) : IDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        for (int i = 0; i < tokens.Count; i++)
        {
            var sb = new StringBuilder(tokens[i].Length);
            foreach (var c in tokens[i])
            {
                if (c != replacement) sb.Append(c);
                else if (!(i == 0 && scheme != PrependScheme.Never)) sb.Append(' ');
            }
            result.Add(sb.ToString());
        }
        return result;
    }
}

internal sealed class SequenceDecoder(IReadOnlyList<IDecoder> steps) : IDecoder
{
    public IReadOnlyList<IDecoder> Steps => steps;

    public List<string> DecodeChain(List<string> tokens)
    {
        foreach (var step in steps) tokens = step.DecodeChain(tokens);
        return tokens;
    }
}
