using System.Globalization;
using System.Numerics;

namespace SlotSharp.Evaluation;

/// <summary>
/// Python's text for floats and bools, so log lines match the original script's f-strings byte for byte
/// (e.g. <c>f"{0.9}"</c> is "0.9", <c>f"{1.0}"</c> is "1.0", <c>f"{acc:.4f}"</c> rounds the exact binary value half-to-even).
/// </summary>
internal static class PythonFormat
{
    public static string Bool(bool value) => value ? "True" : "False";

    /// <summary><c>repr(x)</c> / <c>str(x)</c> of a Python float: shortest round-trip digits, fixed notation
    /// for decimal exponents in [-4, 16), otherwise scientific with a signed two-digit exponent.</summary>
    public static string FloatRepr(double value)
    {
        if (double.IsNaN(value)) return "nan";
        if (double.IsPositiveInfinity(value)) return "inf";
        if (double.IsNegativeInfinity(value)) return "-inf";
        if (value == 0) return double.IsNegative(value) ? "-0.0" : "0.0";

        // .NET's "R" gives the same shortest round-trip digits as Python's repr; only the layout differs.
        var shortest = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        var (digits, decpt) = ShortestDigits(shortest);
        var sign = value < 0 ? "-" : "";
        if (decpt > -4 && decpt <= 16)
        {
            string text;
            if (decpt <= 0) text = "0." + new string('0', -decpt) + digits;
            else if (decpt >= digits.Length) text = digits + new string('0', decpt - digits.Length) + ".0";
            else text = digits[..decpt] + "." + digits[decpt..];
            return sign + text;
        }
        var mantissa = digits.Length == 1 ? digits : digits[0] + "." + digits[1..];
        int exp = decpt - 1;
        return $"{sign}{mantissa}e{(exp < 0 ? "-" : "+")}{Math.Abs(exp):00}";
    }

    /// <summary>Splits a .NET round-trip string into significant digits and the decimal point position
    /// (value = 0.DIGITS x 10^decpt).</summary>
    static (string Digits, int DecPt) ShortestDigits(string roundTrip)
    {
        int exp = 0;
        var e = roundTrip.IndexOfAny(['E', 'e']);
        var mant = roundTrip;
        if (e >= 0)
        {
            exp = int.Parse(roundTrip[(e + 1)..], CultureInfo.InvariantCulture);
            mant = roundTrip[..e];
        }
        var dot = mant.IndexOf('.');
        var intPart = dot < 0 ? mant : mant[..dot];
        var frac = dot < 0 ? "" : mant[(dot + 1)..];
        var all = intPart + frac;
        int decpt = intPart.Length + exp;
        int lead = 0;
        while (lead < all.Length - 1 && all[lead] == '0') { lead++; decpt--; }
        var digits = all[lead..].TrimEnd('0');
        if (digits.Length == 0) digits = "0";
        return (digits, decpt);
    }

    /// <summary><c>f"{value:.{decimals}f}"</c>: exact binary value rounded half-to-even.</summary>
    public static string Fixed(double value, int decimals)
    {
        if (!double.IsFinite(value)) return FloatRepr(value);
        var scaled = ExactRational.FromDouble(value).RoundHalfEvenScaled(decimals);
        var negative = scaled.Sign < 0 || (scaled.IsZero && double.IsNegative(value));
        var digits = BigInteger.Abs(scaled).ToString(CultureInfo.InvariantCulture).PadLeft(decimals + 1, '0');
        var text = decimals == 0 ? digits : digits[..^decimals] + "." + digits[^decimals..];
        return (negative ? "-" : "") + text;
    }
}
