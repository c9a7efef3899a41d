namespace SlotSharp.Generation;

internal static class LogitChecks
{
    /// <summary>
    /// Non-finite weights or a non-finite SLOT delta make the logits NaN, and the sampler would then emit garbage ids
    /// without an error. Checking the first two rows (the prompt's last position, which sees every weight the prompt
    /// uses, and the first decoded token, whose embedding row the prompt may not have used) costs one pass over V each.
    /// -inf is allowed where some finite logit remains: a caller's logit bias may mask tokens that way.
    /// </summary>
    public static void RequireFinite(ReadOnlySpan<float> scores, int step)
    {
        int bad = -1;
        bool anyFinite = false;
        for (int i = 0; i < scores.Length; i++)
        {
            if (float.IsNaN(scores[i]) || float.IsPositiveInfinity(scores[i])) { bad = i; break; }
            anyFinite |= float.IsFinite(scores[i]);
        }
        if (bad < 0 && !anyFinite) bad = 0;
        if (bad >= 0)
            throw new SlotSharpException($"the model produced non-finite logits at {(step == 0 ? "the prompt's last position" : "the first decoded token")} "
                + $"(token {bad}: {scores[bad]}); the weights or the SLOT delta are not finite");
    }
}
