using SlotSharp.Evaluation;

namespace SlotSharp.Tests.Evaluation;

/// <summary>Each setting of a sweep is charged its own time, not an equal split of every engine call.</summary>
public class Gsm8kSweepTimingTests
{
    /// <summary>A clock that only moves when told to.</summary>
    sealed class FakeClock : TimeProvider
    {
        long _ticks;
        public void Advance(double seconds) => _ticks += (long)(seconds * TimestampFrequency);
        public override long GetTimestamp() => _ticks;
        public override long TimestampFrequency => 1_000_000;
    }

    /// <summary>
    /// Each call takes 10 s of wall time per prompt; per prompt the engine measures 2 s for times 0 (1 s prefill
    /// share, 1 s decode) and 6 s for times 1 (1 s prefill share, 2 s SLOT, 3 s decode), generating 10 and 30 tokens.
    /// </summary>
    sealed class TimedModel(FakeClock clock, IReadOnlyDictionary<int, string> goldByRow) : IEvalModel
    {
        public IReadOnlyList<IReadOnlyList<EvalCompletion>> Complete(IReadOnlyList<EvalPrompt> batch,
            IReadOnlyList<SlotSetting> settings, EvalGeneration generation)
        {
            clock.Advance(10 * batch.Count);
            return [.. batch.Select(p => (IReadOnlyList<EvalCompletion>)[.. settings.Select(s => new EvalCompletion(
                FakeEvalModel.Completion(p.Key, s.Times, goldByRow[p.Key]), s.Times == 0 ? 10 : 30, 100, [],
                s.Times == 0 ? new EvalTimings(1, 0, 1) : new EvalTimings(1, 2, 3)))])];
        }

        public void Dispose() { }
    }

    [SkippableTheory]
    [InlineData(1)]
    [InlineData(2)]
    public void SweepSummariesMeasureEachSettingSeparately(int batchSize)
    {
        using var data = new EvalTestData();
        var clock = new FakeClock();
        var options = data.Options("timing", batchSize, new SlotSetting("0", "0.1"), new SlotSetting("1", "0.1"));
        var result = new Gsm8kEvalRunner(new TimedModel(clock, data.GoldByRow), options, clock).Run();

        // 5 prompts x 10 s = 50 s of wall time, shared 2:6 between the settings: 12.5 s and 37.5 s.
        var (plain, slot) = (result.Summaries[0], result.Summaries[1]);
        Assert.Equal(12.5, plain.WallSeconds, 9);
        Assert.Equal(37.5, slot.WallSeconds, 9);
        Assert.Equal(50 / 12.5, plain.TokensPerSecond, 9);   // 50 tokens
        Assert.Equal(150 / 37.5, slot.TokensPerSecond, 9);   // 150 tokens
        Assert.Equal((5.0, 0.0, 5.0), (plain.PrefillSeconds, plain.SlotSeconds, plain.DecodeSeconds));
        Assert.Equal((5.0, 10.0, 15.0), (slot.PrefillSeconds, slot.SlotSeconds, slot.DecodeSeconds));
    }
}
