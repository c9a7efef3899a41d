using System.Globalization;
using System.Text;
using System.Text.Json;
using CsCheck;

namespace SlotSharp.Fuzz.Mutation;

/// <summary>Raw JSON texts that stress a reader: extreme numbers, wrong types, nulls, huge strings, deep nesting.</summary>
public static class JsonValues
{
    static readonly string[] Extremes =
    [
        "0", "-1", "1", "-0", "0.5", "-0.5", "1.0", "1e308", "-1e308", "1e400", "-1e400", "5e-324", "1e-400",
        "127", "128", "255", "256", "32767", "65535", "65536", "2147483647", "2147483648", "-2147483648", "-2147483649",
        "4294967295", "4294967296", "9007199254740993", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
        "18446744073709551615", "18446744073709551616", "123456789012345678901234567890", "1.7976931348623157e309",
        "null", "true", "false", "\"\"", "\" \"", "\"0\"", "\"-1\"", "\"1e400\"", "\"NaN\"", "\"Infinity\"", "\"null\"", "\"true\"",
        "\"\\u0000\"", "\"\\ud800\"", "\"\\udc00\\ud800\"", "\"\\n\"", "\"\\\\\"", "\"{{\"", "\"{%\"", "\"<|endoftext|>\"",
        "[]", "{}", "[null]", "[[]]", "[{}]", "{\"\":null}", "[0]", "[-1]", "[0,0]", "[1,2,3]", "[\"a\"]",
        "[4294967296,4294967296]", "[4294967296,4294967296,1]", "[9223372036854775807,2]", "[65536,65536,65536]", "[0,9223372036854775807]",
        "[-1,0]", "[1,-1]", "[2,1]", "[0,18446744073709551615]",
    ];

    /// <summary>One raw JSON value text.</summary>
    public static Gen<string> Any { get; } = Gen.Frequency(
        (12, Gen.OneOf(Extremes)),
        (1, Gen.Int[4, 22].Select(p => '"' + new string('a', 1 << p) + '"')),
        (1, Gen.Int[3, 17].Select(p => Nested("[", "]", 1 << p, "0"))),
        (1, Gen.Int[3, 17].Select(p => Nested("{\"a\":", "}", 1 << p, "0"))),
        (1, Gen.Int[4, 18].Select(p => "[" + string.Join(",", Enumerable.Repeat("1", 1 << p)) + "]")),
        (1, Gen.Int[4, 14].Select(p => new string('9', 1 << p))),
        (2, Gen.String[0, 12].Select(s => JsonSerializer.Serialize(s))),
        (1, Gen.Long.Select(v => v.ToString(CultureInfo.InvariantCulture))),
        (1, Gen.Double.Where(double.IsFinite).Select(v => v.ToString("R", CultureInfo.InvariantCulture))));

    /// <summary>A property name: an empty, odd or plausible one.</summary>
    public static Gen<string> Key { get; } = Gen.Frequency(
        (3, Gen.OneOf("", " ", "__metadata__", "type", "id", "model", "vocab", "merges", "dtype", "shape", "data_offsets",
            "chat_template", "eos_token", "eos_token_id", "hidden_size", "messages", "prompt", "role", "content", "question", "answer")),
        (1, Gen.String[0, 8]));

    static string Nested(string open, string close, int depth, string inner)
    {
        var sb = new StringBuilder(depth * (open.Length + close.Length) + inner.Length);
        for (int i = 0; i < depth; i++) sb.Append(open);
        sb.Append(inner);
        for (int i = 0; i < depth; i++) sb.Append(close);
        return sb.ToString();
    }
}
