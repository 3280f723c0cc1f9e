"""Data: time-resolved IT assemblies (Kar 2019, MajajHong 2015), packaging of raw arrays, the sample world."""
