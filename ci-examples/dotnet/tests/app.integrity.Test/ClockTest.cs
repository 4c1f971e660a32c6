using Xunit;

namespace App.Integrity.Test;

public class ClockTest
{
    [Fact]
    public void HumanizesOneMinute()
    {
        var start = new DateTime(2024, 1, 1, 12, 0, 0);
        Assert.Equal("1 minute", Module2.Clock.Since(start, start.AddMinutes(1)));
    }
}
