using System.Globalization;

namespace SlotSharp.Slot;

/// <summary>
/// times / lr as the original code paths read them: command-line flags win; else the HF path's env `times` / `lr`
/// or the vLLM path's `CHOT_STEPS` / `CHOT_LR`; else times 5, lr 0.1.
/// </summary>
internal static class SlotSettingsResolver
{
    public static (string Times, string Lr) EnvironmentNames(SlotOptimizerKind kind) =>
        kind == SlotOptimizerKind.Vllm ? ("CHOT_STEPS", "CHOT_LR") : ("times", "lr");

    /// <param name="environment">Variable lookup; defaults to <see cref="Environment.GetEnvironmentVariable(string)"/>.</param>
    public static (int Times, double Lr) Resolve(int? flagTimes, double? flagLr, SlotOptimizerKind kind, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var (timesVar, lrVar) = EnvironmentNames(kind);
        int times = flagTimes ?? ParseTimes(timesVar, environment(timesVar)) ?? SlotOptimizerDefaults.DefaultTimes;
        double lr = flagLr ?? ParseLr(lrVar, environment(lrVar)) ?? SlotOptimizerDefaults.DefaultLr;
        return (times, lr);
    }

    static int? ParseTimes(string name, string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw)) return null;
        if (!int.TryParse(raw.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) || v < 0)
            throw new SlotSharpException($"environment variable {name}='{raw}' is not a whole number >= 0");
        return v;
    }

    static double? ParseLr(string name, string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw)) return null;
        if (!double.TryParse(raw.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v) || v <= 0)
            throw new SlotSharpException($"environment variable {name}='{raw}' is not a finite number > 0");
        return v;
    }
}
