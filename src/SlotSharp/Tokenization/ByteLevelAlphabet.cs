namespace SlotSharp.Tokenization;

/// <summary>
/// GPT-2's bytes_to_unicode table: every byte gets a printable character so byte-level BPE vocabularies
/// can be stored as text (space becomes 'Ġ', newline 'Ċ').
/// </summary>
internal static class ByteLevelAlphabet
{
    /// <summary>Printable character standing for each byte value.</summary>
    public static readonly char[] ByteToChar = Build();

    /// <summary>Byte value for each table character; -1 for characters outside the table.</summary>
    public static readonly short[] CharToByte = Invert(ByteToChar);

    static char[] Build()
    {
        var map = new char[256];
        var direct = new bool[256];
        for (int b = '!'; b <= '~'; b++) direct[b] = true;
        for (int b = 0xA1; b <= 0xAC; b++) direct[b] = true;
        for (int b = 0xAE; b <= 0xFF; b++) direct[b] = true;
        int next = 256;
        for (int b = 0; b < 256; b++) map[b] = direct[b] ? (char)b : (char)next++;
        return map;
    }

    static short[] Invert(char[] map)
    {
        var inv = new short[512];
        Array.Fill(inv, (short)-1);
        for (int b = 0; b < 256; b++) inv[map[b]] = (short)b;
        return inv;
    }

    /// <summary>Maps text to its byte-level form (UTF-8 bytes, each replaced by its table character).</summary>
    public static string Encode(ReadOnlySpan<char> text)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text.ToArray());
        return string.Create(bytes.Length, bytes, static (dst, src) =>
        {
            for (int i = 0; i < src.Length; i++) dst[i] = ByteToChar[src[i]];
        });
    }

    /// <summary>
    /// Appends the bytes a token stands for. Like HF's ByteLevel decoder, a token containing any character
    /// outside the table (e.g. an added token such as "&lt;｜User｜&gt;") contributes its own UTF-8 bytes.
    /// </summary>
    public static void AppendTokenBytes(string token, List<byte> output)
    {
        foreach (var c in token)
        {
            if (c >= CharToByte.Length || CharToByte[c] < 0)
            {
                output.AddRange(System.Text.Encoding.UTF8.GetBytes(token));
                return;
            }
        }
        foreach (var c in token) output.Add((byte)CharToByte[c]);
    }
}
