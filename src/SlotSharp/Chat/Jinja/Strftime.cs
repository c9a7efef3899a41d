using System.Globalization;
using System.Text;

namespace SlotSharp.Chat.Jinja;

/// <summary>Python/glibc strftime for the codes chat templates use (C locale names; %-d style no-padding).</summary>
static class Strftime
{
    public static string Format(DateTime t, string format)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length) { sb.Append(format[i]); continue; }
            var c = format[++i];
            var noPad = false;
            if (c == '-' && i + 1 < format.Length) { noPad = true; c = format[++i]; }
            string Num(int v, int width) => noPad ? v.ToString(ci) : v.ToString(new string('0', width), ci);
            sb.Append(c switch
            {
                'd' => Num(t.Day, 2),
                'e' => noPad ? t.Day.ToString(ci) : t.Day.ToString(ci).PadLeft(2),
                'm' => Num(t.Month, 2),
                'Y' => t.Year.ToString(ci),
                'y' => Num(t.Year % 100, 2),
                'H' => Num(t.Hour, 2),
                'I' => Num(t.Hour % 12 == 0 ? 12 : t.Hour % 12, 2),
                'M' => Num(t.Minute, 2),
                'S' => Num(t.Second, 2),
                'f' => (t.Ticks % TimeSpan.TicksPerSecond / 10).ToString("000000", ci),
                'p' => t.Hour < 12 ? "AM" : "PM",
                'j' => Num(t.DayOfYear, 3),
                'a' => ci.DateTimeFormat.GetAbbreviatedDayName(t.DayOfWeek),
                'A' => ci.DateTimeFormat.GetDayName(t.DayOfWeek),
                'b' or 'h' => ci.DateTimeFormat.GetAbbreviatedMonthName(t.Month),
                'B' => ci.DateTimeFormat.GetMonthName(t.Month),
                'w' => ((int)t.DayOfWeek).ToString(ci),
                'u' => (t.DayOfWeek == DayOfWeek.Sunday ? 7 : (int)t.DayOfWeek).ToString(ci),
                'F' => t.ToString("yyyy-MM-dd", ci),
                'T' => t.ToString("HH:mm:ss", ci),
                'D' => t.ToString("MM/dd/yy", ci),
                'R' => t.ToString("HH:mm", ci),
                'n' => "\n",
                't' => "\t",
                '%' => "%",
                _ => "%" + (noPad ? "-" : "") + c,
            });
        }
        return sb.ToString();
    }
}
