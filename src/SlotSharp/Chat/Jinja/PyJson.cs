using System.Globalization;
using System.Numerics;

namespace SlotSharp.Chat.Jinja;

/// <summary>
/// The tojson filter as transformers defines it: Python json.dumps(value, ensure_ascii=False, indent=indent,
/// separators=separators, sort_keys=sort_keys). Defaults give ", " and ": "; with an indent the item separator is ",".
/// Unlike Jinja2's own tojson there is no HTML escaping.
/// </summary>
static class PyJson
{
    public sealed record Options(string? Indent, string ItemSeparator, string KeySeparator, bool SortKeys, bool EnsureAscii);

    /// <summary>json.dumps, built under the budget (an indent repeats per level and line).</summary>
    public static string Dumps(object? value, Options options, MemoryBudget budget)
    {
        var sb = budget.Text();
        Write(sb, value, options, 0);
        return sb.ToString();
    }

    static void Write(TextBuilder sb, object? v, Options o, int level)
    {
        if (level > 200) throw new TemplateRuntimeError("value nested too deeply for tojson");
        switch (v)
        {
            case null: sb.Append("null"); break;
            case bool b: sb.Append(b ? "true" : "false"); break;
            case long l: sb.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case BigInteger b: sb.Append(b.ToString(CultureInfo.InvariantCulture)); break;
            case double d: sb.Append(FloatJson(d)); break;
            case string s: WriteString(sb, s, o.EnsureAscii); break;
            case List<object?> or object?[]:
            {
                var items = (IReadOnlyList<object?>)v;
                if (items.Count == 0) { sb.Append("[]"); break; }
                sb.Append('[');
                for (var i = 0; i < items.Count; i++)
                {
                    if (i > 0) sb.Append(o.ItemSeparator);
                    NewLine(sb, o, level + 1);
                    Write(sb, items[i], o, level + 1);
                }
                NewLine(sb, o, level);
                sb.Append(']');
                break;
            }
            case OrderedDictionary<string, object?> dict:
            {
                if (dict.Count == 0) { sb.Append("{}"); break; }
                IEnumerable<KeyValuePair<string, object?>> pairs = dict;
                if (o.SortKeys) pairs = pairs.OrderBy(kv => kv.Key, Comparer<string>.Create(PyText.CompareCodePoints));
                sb.Append('{');
                var first = true;
                foreach (var kv in pairs)
                {
                    if (!first) sb.Append(o.ItemSeparator);
                    first = false;
                    NewLine(sb, o, level + 1);
                    WriteString(sb, kv.Key, o.EnsureAscii);
                    sb.Append(o.KeySeparator);
                    Write(sb, kv.Value, o, level + 1);
                }
                NewLine(sb, o, level);
                sb.Append('}');
                break;
            }
            default:
                throw new TemplateRuntimeError($"Object of type {PyOps.TypeName(v)} is not JSON serializable");
        }
    }

    static void NewLine(TextBuilder sb, Options o, int level)
    {
        if (o.Indent == null) return;
        sb.Append('\n');
        for (var i = 0; i < level; i++) sb.Append(o.Indent);
    }

    /// <summary>float.__repr__, with JavaScript names for non-finite values as json.dumps writes them.</summary>
    static string FloatJson(double d) =>
        double.IsNaN(d) ? "NaN" : double.IsPositiveInfinity(d) ? "Infinity" : double.IsNegativeInfinity(d) ? "-Infinity"
        : PyOps.FloatRepr(d);

    static void WriteString(TextBuilder sb, string s, bool ensureAscii)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20 || (ensureAscii && c > 0x7f))
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}
